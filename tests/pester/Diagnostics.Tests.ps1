#Requires -Version 7.4
# The surface of Test-E2eDns and Get-E2eDiagnostic against the Kubernetes API emulator (run as a
# process): -Quiet, -WhatIf, the pipeline from Get-E2eJob and Wait-E2eJob, error ids, format views.
# Run ./build.ps1 first; the module is imported from the repository root.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    # Skipped on a developer's machine without kubectl; in CI (CI=true) a missing kubectl fails instead.
    $script:noEmulator = Get-ToolSkip 'kubectl'
}

Describe 'Test-E2eDns and Get-E2eDiagnostic' -Skip:$noEmulator {
    BeforeAll {
        Import-Module "$PSScriptRoot/../../E2ePs.psd1" -Force
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        . "$PSScriptRoot/../E2ePs.KubeEmulator/Start-KubeEmulator.ps1"

        $script:emulator = Start-KubeEmulator -TimeStepMs 10
        $script:kubeconfig = $emulator.KubeconfigPath
        $script:ns = 'diag-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
        $script:repo = New-TestGitRepository

        function Invoke-Kubectl {
            # kubectl against the emulator, as the independent client that sets the cluster up.
            $output = @($input) | kubectl --kubeconfig $kubeconfig @args 2>&1
            if ($LASTEXITCODE -ne 0) { throw "kubectl $args failed: $output" }
            $output
        }

        function Add-EmulatorScenario([hashtable] $Scenario) {
            Invoke-RestMethod -Method Post -Uri "$($emulator.Server.TrimEnd('/'))/_emulator/scenarios" -SkipCertificateCheck `
                -Headers @{ Authorization = "Bearer $($emulator.Token)" } -ContentType 'application/json' -Body ($Scenario | ConvertTo-Json) | Out-Null
        }

        Invoke-Kubectl create namespace $ns | Out-Null
        @"
apiVersion: v1
kind: Service
metadata: { name: vllm-server, namespace: $ns }
spec:
  selector: { app: vllm-server }
  ports: [ { name: http, port: 8000, protocol: TCP } ]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: vllm-server-abcde
  namespace: $ns
  labels: { kubernetes.io/service-name: vllm-server }
addressType: IPv4
endpoints: [ { addresses: [ 10.244.9.10 ], conditions: { ready: true } } ]
ports: [ { name: http, port: 8000, protocol: TCP } ]
"@ | Invoke-Kubectl apply -f - | Out-Null

        $common = @{ Path = $repo; Namespace = $ns; TestPath = 'tests/e2e/test_x.py'; Repository = 'https://github.com/example/shop.git'; Branch = 'main' }
        $script:dnsJob = New-E2eJob -Name dnsjob @common -Image registry.test/e2e/dnsjob:1 -Env @{
            VLLM_URL = "http://vllm-server.$ns.svc.cluster.local:8000"; ORCHESTRATOR_HOST = "orchestrator.$ns.svc.cluster.local"; ORCHESTRATOR_PORT = '50055' }
        $script:pullJob = New-E2eJob -Name nopull @common -Image registry.test/e2e/nopull:1
        Add-EmulatorScenario @{ image = 'registry.test/e2e/nopull:1'; imageMissing = $true }
    }

    AfterAll {
        if ($emulator) { Stop-KubeEmulator $emulator }
        if ($repo) { Remove-Item -LiteralPath $repo -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'declares its output types, ShouldProcess and approved verbs' {
        $dns = Get-Command Test-E2eDns
        $dns.OutputType.Name | Should -Contain 'E2ePs.Models.E2eDnsResult'
        $dns.OutputType.Name | Should -Contain 'System.Boolean'
        $dns.Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command Get-E2eDiagnostic).OutputType.Name | Should -Be 'E2ePs.Models.E2eDiagnostic'
        (Get-Verb -Verb Test), (Get-Verb -Verb Get) | Should -Not -BeNullOrEmpty
    }

    It '-Quiet returns $true for a reachable service and $false for a missing one' {
        Test-E2eDns "http://vllm-server.$ns.svc.cluster.local:8000" -Kubeconfig $kubeconfig -Quiet | Should -BeTrue
        Test-E2eDns no-such-service -Namespace $ns -Kubeconfig $kubeconfig -Quiet | Should -BeFalse
    }

    It 'checks the hosts of a job piped from Get-E2eJob, with the ports of its environment, and removes its probe' {
        $results = Get-E2eJob dnsjob -Path $repo | Test-E2eDns -Kubeconfig $kubeconfig

        $results.Count | Should -Be 2
        $vllm = $results | Where-Object Source -EQ 'job dnsjob: VLLM_URL'
        $vllm.Reachable | Should -BeTrue
        $vllm.Resolved | Should -BeTrue
        $vllm.Ports | Should -Be 'http:8000/TCP'
        $orchestrator = $results | Where-Object Source -EQ 'job dnsjob: ORCHESTRATOR_HOST'
        $orchestrator.Port | Should -Be 50055
        $orchestrator.ServiceFound | Should -BeFalse
        $orchestrator.Error | Should -BeLike 'There is no Service orchestrator*'
        Invoke-Kubectl get jobs -n $ns -l app.kubernetes.io/component=dns-probe -o name | Should -BeNullOrEmpty
        ($results | Format-Table | Out-String -Width 300) | Should -Match 'Host\s+Port\s+ServiceFound\s+Ready\s+Resolved\s+Addresses\s+Reachable\s+Error'
    }

    It '-WhatIf creates no probe and answers from the API alone' {
        $result = Test-E2eDns vllm-server:8000 -Namespace $ns -Kubeconfig $kubeconfig -WhatIf

        $result.ServiceFound | Should -BeTrue
        $result.Resolved | Should -BeNullOrEmpty
        $result.Reachable | Should -BeTrue
        Invoke-Kubectl get jobs -n $ns -o name | Should -BeNullOrEmpty
    }

    It 'reports a bad host and an unknown namespace with error ids, and still checks the good hosts' {
        $results = Test-E2eDns 'not a host!', vllm-server -Namespace $ns -Kubeconfig $kubeconfig -ErrorVariable bad -ErrorAction SilentlyContinue
        $results.Host | Should -Be 'vllm-server'
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidHostName,*'
        $bad[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $bad[0].TargetObject | Should -Be 'not a host!'

        Test-E2eDns api -Namespace no-such-namespace -Kubeconfig $kubeconfig -ErrorVariable missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'NamespaceNotFound,*'
        $missing[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'diagnoses a failed run piped from Wait-E2eJob, whose error points to Get-E2eDiagnostic' {
        $run = $pullJob | Start-E2eJob -Kubeconfig $kubeconfig | Wait-E2eJob -Timeout 60 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'E2eRunFailed,*'
        $failed[0].ErrorDetails.RecommendedAction | Should -BeLike "*Get-E2eDiagnostic -Name nopull -Namespace $ns*"

        $diagnostic = $run | Get-E2eDiagnostic

        $diagnostic | Should -BeOfType E2ePs.Models.E2eDiagnostic
        $diagnostic.Summary | Should -BeLike 'Container test-runner cannot pull image registry.test/e2e/nopull:1 from registry registry.test*'
        $diagnostic.Findings[0].Severity | Should -Be 'Error'
        $diagnostic.Findings[0].Check | Should -Be 'Image'
        $diagnostic.Events.Reason | Should -Contain 'Pulling'
        ($diagnostic | Out-String) | Should -Match 'Summary\s+: Container test-runner cannot pull image'
    }

    It 'reports an unknown job as JobNotFound and goes on with the next one' {
        $results = 'ghost', 'nopull' | ForEach-Object { [pscustomobject]@{ Name = $_; Namespace = $ns; Kubeconfig = $kubeconfig } } |
            Get-E2eDiagnostic -ErrorVariable missing -ErrorAction SilentlyContinue

        $missing[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        $missing[0].TargetObject | Should -Be 'test-ghost-e2e'
        @($results).Count | Should -Be 1
        $results.JobName | Should -BeLike 'test-nopull-e2e-*'
    }
}
