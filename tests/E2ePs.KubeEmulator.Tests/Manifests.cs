using k8s.Models;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>Objects the tests create.</summary>
public static class Manifests
{
    public static V1Job Job(string name, string image, string[] command, int backoffLimit = 0, long? deadline = null, int? ttl = null, V1ResourceRequirements? resources = null, List<V1Container>? init = null) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["suite"] = "emulator" } },
        Spec = new V1JobSpec
        {
            BackoffLimit = backoffLimit,
            ActiveDeadlineSeconds = deadline,
            TtlSecondsAfterFinished = ttl,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = "Never",
                    InitContainers = init,
                    Containers = [new V1Container { Name = "test", Image = image, Command = command, Resources = resources }],
                },
            },
        },
    };

    /// <summary>A realistic restricted-PSS E2E job with its ServiceAccount, Role and RoleBinding, as kubectl users write it.</summary>
    public static string RestrictedJobYaml(string name, string script) => $$"""
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {{name}}-runner
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: {{name}}-runner
        rules:
        - apiGroups: [""]
          resources: ["pods", "pods/log"]
          verbs: ["get", "list", "watch"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: {{name}}-runner
        subjects:
        - kind: ServiceAccount
          name: {{name}}-runner
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: {{name}}-runner
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
          labels:
            app.kubernetes.io/name: e2e
        spec:
          backoffLimit: 0
          activeDeadlineSeconds: 600
          template:
            metadata:
              labels:
                app.kubernetes.io/name: e2e
            spec:
              serviceAccountName: {{name}}-runner
              restartPolicy: Never
              securityContext:
                runAsNonRoot: true
                runAsUser: 1000
                fsGroup: 1000
                seccompProfile:
                  type: RuntimeDefault
              volumes:
              - name: work
                emptyDir: {}
              initContainers:
              - name: prepare
                image: busybox:1.36
                command: ["sh", "-c", "echo preparing workspace"]
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities:
                    drop: ["ALL"]
                volumeMounts:
                - name: work
                  mountPath: /work
              containers:
              - name: test
                image: busybox:1.36
                command: ["sh", "-c", "{{script}}"]
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
                  limits:
                    cpu: 500m
                    memory: 128Mi
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities:
                    drop: ["ALL"]
                volumeMounts:
                - name: work
                  mountPath: /work
        """;
}
