#Requires -Version 7.4
# The module surface as a new user meets it: the README's commands, pipeline binding, help, views,
# import and re-import. Cluster tests run against the Kubernetes API emulator.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
}

Describe "The README's two commands" -Skip:($IsWindows) {
    BeforeAll {
        # The bash blocks of the "Two commands" section, in order: the main job, then all the tests.
        $readme = Get-Content -Raw -LiteralPath (Join-Path $Root 'README.md')
        $section = ($readme -split '(?m)^## ')[1..99] | Where-Object { $_ -like 'Two commands*' } | Select-Object -First 1
        $script:Commands = @([regex]::Matches($section, '(?s)```bash\s*\n(.*?)\n```') | ForEach-Object { $_.Groups[1].Value.Trim() })

        function Invoke-WithStub {
            # Runs a README command in a copy of the repository's root with stand-ins for id, sudo,
            # apt-get and dotnet that log their arguments, so nothing is installed or built.
            param([string] $Command, [int] $Uid, [switch] $WithSudo)
            $bin = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-readme-' + [guid]::NewGuid().ToString('N'))
            New-Item -ItemType Directory -Path $bin | Out-Null
            $log = Join-Path $bin 'calls.log'
            foreach ($tool in 'bash', 'dirname', 'cat', 'env') {
                $real = (Get-Command $tool -CommandType Application | Select-Object -First 1).Source
                New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target $real | Out-Null
            }
            $stubs = @{ 'id' = "echo $Uid"; 'apt-get' = "echo apt-get `"`$@`" >> '$log'"; 'dotnet' = "echo dotnet `"`$@`" >> '$log'" }
            if ($WithSudo) { $stubs['sudo'] = "echo sudo `"`$1`" >> '$log'; exec `"`$@`"" }
            foreach ($name in $stubs.Keys) {
                Set-Content -LiteralPath (Join-Path $bin $name) -Value "#!$((Get-Command bash).Source)`n$($stubs[$name])"
                chmod +x (Join-Path $bin $name)
            }
            $bash = (Get-Command bash -CommandType Application | Select-Object -First 1).Source
            Push-Location $Root
            try {
                $output = & $bash --noprofile --norc -c "export PATH='$bin'; $Command" 2>&1
                $exit = $LASTEXITCODE
            } finally { Pop-Location }
            $calls = @(if (Test-Path $log) { Get-Content -LiteralPath $log })
            Remove-Item $bin -Recurse -Force
            [pscustomobject]@{ ExitCode = $exit; Output = "$output"; Calls = $calls }
        }
    }

    It 'has the main job and the test command' {
        $Commands.Count | Should -Be 2
    }

    It 'runs the <Label> command as root where there is no sudo' -ForEach @(@{ Index = 0; Label = 'main job' }, @{ Index = 1; Label = 'test' }) {
        $run = Invoke-WithStub -Command $Commands[$Index] -Uid 0
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Calls | Should -Contain 'dotnet tool restore'
        $run.Calls | Where-Object { $_ -like 'dotnet pwsh*' } | Should -Not -BeNullOrEmpty
        $run.Calls | Where-Object { $_ -like 'sudo*' } | Should -BeNullOrEmpty
    }

    It 'installs the packages with apt-get as root, and through sudo as another user' {
        $asRoot = Invoke-WithStub -Command $Commands[1] -Uid 0
        $asRoot.Calls | Where-Object { $_ -like 'apt-get install*' } | Should -Match 'kubectl'
        $asUser = Invoke-WithStub -Command $Commands[1] -Uid 1000 -WithSudo
        $asUser.ExitCode | Should -Be 0 -Because $asUser.Output
        $asUser.Calls | Should -Contain 'sudo apt-get'
        $asUser.Calls | Where-Object { $_ -like 'apt-get install*' } | Should -Match 'buildah'
        $asUser.Calls | Where-Object { $_ -like 'dotnet pwsh*-Task Test -Tier Full' } | Should -Not -BeNullOrEmpty
    }

    It 'names the test command with its tier, and .ci/run runs exactly that command' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $Root 'README.md')
        $named = [regex]::Match($readme, '`(dotnet tool restore && dotnet pwsh [^`]*-Task Test -Tier Full)`').Groups[1].Value
        $named | Should -Not -BeNullOrEmpty
        Get-Content -LiteralPath (Join-Path $Root '.ci/run') | Should -Contain $named
    }
}

Describe 'Repositories, manifests and images from the pipeline' {
    BeforeAll {
        . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-surface-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Work | Out-Null
        $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
        $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
        $script:Kc = $Emulator.KubeconfigPath

        function New-TestNamespace {
            $name = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $name } } |
                kubectl --kubeconfig $Kc create -f - | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "kubectl could not create namespace $name" }
            $name
        }

        function Get-TestJob { param([string] $Namespace) @(kubectl --kubeconfig $Kc get jobs -n $Namespace -o name) }

        function New-UnpushedImage {
            # What Build-E2eImage writes for a job built without -Push.
            param([string] $Name, [string] $Namespace, [bool] $Pushed = $false)
            [E2ePs.Models.E2eImage]@{
                Reference = "localhost:5000/e2eps-surface-${Name}:1"; Name = $Name; JobName = "test-$Name-e2e"
                Namespace = $Namespace; Path = $Repo; Repository = "localhost:5000/e2eps-surface-$Name"; Engine = 'buildah'
                Tags = [string[]]@("localhost:5000/e2eps-surface-${Name}:1"); Pushed = $Pushed
            }
        }

        $script:Ns = New-TestNamespace
        $script:Repo = New-TestGitRepository
        foreach ($name in 'alpha', 'beta') {
            New-E2eJob -Name $name -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image "localhost:5000/e2eps-surface-${name}:1" -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
        }
    }

    AfterAll {
        if ($Emulator) { Stop-KubeEmulator $Emulator }
        Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'a folder piped in binds to -Path, not its name to -Name' {
        It 'Get-Item <repository> | Get-E2eJob gets every job of the repository' {
            $jobs = @(Get-Item -LiteralPath $Repo | Get-E2eJob -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems | Should -BeNullOrEmpty
            $jobs.Name | Should -Be @('alpha', 'beta')
        }

        It 'Get-Item <repository> | Get-E2eJob <name> keeps the name given' {
            (Get-Item -LiteralPath $Repo | Get-E2eJob beta).Name | Should -Be 'beta'
        }

        It 'Get-ChildItem of a folder of repositories gets the jobs of each' {
            $parent = Join-Path $Work 'repos'
            New-Item -ItemType Directory -Path $parent | Out-Null
            Copy-Item -LiteralPath $Repo -Destination (Join-Path $parent 'shop') -Recurse
            $jobs = @(Get-ChildItem -LiteralPath $parent -Directory | Get-E2eJob -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems | Should -BeNullOrEmpty
            $jobs.Name | Should -Be @('alpha', 'beta')
            $jobs[0].Path | Should -Be (Join-Path $parent 'shop')
        }

        It 'Get-Item <repository> | Build-E2eImage -WhatIf names every job of the repository' {
            $run = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; Get-Item -LiteralPath '$Repo' | Build-E2eImage -WhatIf -Engine buildah"
            $run.Output -join "`n" | Should -Not -Match 'JobNotFound|There is no E2E job'
            $run.Output -join "`n" | Should -Match 'alpha'
            $run.Output -join "`n" | Should -Match 'beta'
        }

        It 'Get-Item <repository> | Start-E2eJob asks which job, and starts nothing' {
            $ns = New-TestNamespace
            $runs = @(Get-Item -LiteralPath $Repo | Start-E2eJob -Namespace $ns -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            $problems.FullyQualifiedErrorId | Should -BeLike 'JobNotIdentified,*'
            $problems[0].TargetObject | Should -Be $Repo
            Get-TestJob $ns | Should -BeNullOrEmpty
        }

        It 'Get-Item <repository> | Start-E2eJob <name> starts that job of the repository' {
            $ns = New-TestNamespace
            $run = Get-Item -LiteralPath $Repo | Start-E2eJob alpha -Namespace $ns -Kubeconfig $Kc
            $run.JobName | Should -BeLike 'test-alpha-e2e-*'
            Get-TestJob $ns | Should -BeLike 'job.batch/test-alpha-e2e-*'
        }

        It 'a repository folder piped to Invoke-E2eTest: it asks which job, and runs nothing' {
            $ns = New-TestNamespace
            $runs = @(Get-Item -LiteralPath $Repo | Invoke-E2eTest -Namespace $ns -Kubeconfig $Kc -CiSystem None -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            $problems.FullyQualifiedErrorId | Should -BeLike 'JobNotIdentified,*'
            $problems[0].TargetObject | Should -Be $Repo
            Get-TestJob $ns | Should -BeNullOrEmpty
        }

        It 'a repository folder piped to Invoke-E2eTest alpha: it runs that job of the repository' {
            $ns = New-TestNamespace
            $run = Get-Item -LiteralPath $Repo | Invoke-E2eTest alpha -Namespace $ns -Kubeconfig $Kc -CiSystem None -WarningAction SilentlyContinue
            $run.JobName | Should -BeLike 'test-alpha-e2e-*'
            Get-TestJob $ns | Should -BeLike 'job.batch/test-alpha-e2e-*'
        }

        It 'Get-Item <repository> | New-E2eJob takes no job name from the folder and writes nothing' {
            $before = @(Get-ChildItem -LiteralPath $Repo -Recurse -File -Force | Where-Object FullName -notmatch '[\\/]\.git[\\/]').Count
            $written = @(Get-Item -LiteralPath $Repo | New-E2eJob -TestPath tests/e2e -ErrorVariable problems -ErrorAction SilentlyContinue)
            $written | Should -BeNullOrEmpty
            $problems.FullyQualifiedErrorId | Should -Be 'JobNameRequired,E2ePs.Cmdlets.NewE2eJobCommand'
            @(Get-ChildItem -LiteralPath $Repo -Recurse -File -Force | Where-Object FullName -notmatch '[\\/]\.git[\\/]').Count | Should -Be $before
        }
    }

    Context 'a manifest path identifies its job' {
        It 'Start-E2eJob -Path <manifest> starts its job without asking for -Name' {
            $manifest = Join-Path $Repo 'deploy/k8s/99-test-beta-e2e.yaml'
            $ns = New-TestNamespace
            $run = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; `$r = Start-E2eJob -Path '$manifest' -Namespace $ns -Kubeconfig '$Kc' -ErrorAction Stop; 'JOB=' + `$r.JobName"
            $run.Output -join "`n" | Should -Match 'JOB=test-beta-e2e'
            Get-TestJob $ns | Should -BeLike 'job.batch/test-beta-e2e-*'
        }

        It 'Get-Item <manifest> | Start-E2eJob starts its job' {
            $ns = New-TestNamespace
            $run = Get-Item -LiteralPath (Join-Path $Repo 'deploy/k8s/99-test-alpha-e2e.yaml') | Start-E2eJob -Namespace $ns -Kubeconfig $Kc
            $run.JobName | Should -BeLike 'test-alpha-e2e-*'
        }
    }

    Context '-WhatIf where no cluster is configured' {
        BeforeAll {
            $script:Home0 = $env:HOME; $script:Kube0 = $env:KUBECONFIG; $script:Svc0 = $env:KUBERNETES_SERVICE_HOST
            $script:EmptyHome = Join-Path $Work 'empty-home'
            New-Item -ItemType Directory -Path $EmptyHome -Force | Out-Null
        }
        BeforeEach {
            $env:HOME = $EmptyHome; Remove-Item env:KUBECONFIG, env:KUBERNETES_SERVICE_HOST -ErrorAction SilentlyContinue
        }
        AfterEach {
            $env:HOME = $Home0; $env:KUBECONFIG = $Kube0; $env:KUBERNETES_SERVICE_HOST = $Svc0
        }

        It '<Command> -WhatIf says what it would do and that no cluster is configured, and succeeds' -ForEach @(
            @{ Command = 'Start-E2eJob' }, @{ Command = 'Invoke-E2eTest' }
        ) {
            $manifest = Join-Path $Repo 'deploy/k8s/99-test-alpha-e2e.yaml'
            $run = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; $Command -Path '$manifest' -WhatIf; 'SUCCEEDED=' + `$?"
            $text = $run.Output -join "`n"
            $text | Should -Match 'What if: .*test-alpha-e2e.*no cluster'
            $text | Should -Match 'KubeconfigNotFound'
            $run.Output | Should -Contain 'SUCCEEDED=True'
        }

        It 'Start-E2eJob without -WhatIf still fails with KubeconfigNotFound' {
            $manifest = Join-Path $Repo 'deploy/k8s/99-test-alpha-e2e.yaml'
            $run = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; Start-E2eJob -Path '$manifest' -ErrorVariable e -ErrorAction SilentlyContinue; 'ERROR=' + `$e[0].FullyQualifiedErrorId"
            $run.Output | Should -Contain 'ERROR=KubeconfigNotFound,E2ePs.Cmdlets.StartE2eJobCommand'
        }
    }

    Context 'tab completion' {
        BeforeAll {
            function Get-Completion([string] $Line) {
                @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
            }
            $script:Kube0 = $env:KUBECONFIG
            # The first answer of a loaded machine may take longer than the 2 s an interactive Tab waits.
            $env:E2EPS_COMPLETION_TIMEOUT = '60'
        }
        AfterEach { $env:KUBECONFIG = $Kube0 }
        AfterAll { Remove-Item env:E2EPS_COMPLETION_TIMEOUT -ErrorAction SilentlyContinue }

        It 'completes New-E2eJob -Namespace with the namespaces of the cluster' {
            $other = New-TestNamespace
            $env:KUBECONFIG = $Kc
            Push-Location $Repo
            try { $names = Get-Completion 'New-E2eJob -Name x -TestPath t -Namespace ' } finally { Pop-Location }
            $names | Should -Contain $other
            $names | Should -Contain 'default'
            $names | Where-Object { $_ -match '[\\/]|^deploy$|^jobs$' } | Should -BeNullOrEmpty
        }

        It 'completes -Namespace from the manifests when the cluster cannot be reached' {
            $env:KUBECONFIG = Join-Path $Work 'no-such-kubeconfig'
            Push-Location $Repo
            try { $names = Get-Completion 'New-E2eJob -Name x -TestPath t -Namespace ' } finally { Pop-Location }
            $names | Should -Be @($Ns)
        }

        It 'completes Start-E2eJob -Namespace with the namespaces of the cluster of -Kubeconfig' {
            $other = New-TestNamespace
            Get-Completion "Start-E2eJob alpha -Path '$Repo' -Kubeconfig '$Kc' -Namespace " | Should -Contain $other
        }

        It 'completes Get-E2eLog -Container with the containers of the job, the clone first' {
            Push-Location $Repo
            try { $names = Get-Completion 'Get-E2eLog -Name alpha -Container ' } finally { Pop-Location }
            $names | Should -Be @('clone-repo', 'test-runner')
            Push-Location $Repo
            try { Get-Completion 'Get-E2eLog -Name alpha -Container te' | Should -Be @('test-runner') } finally { Pop-Location }
        }

        It 'completes Get-E2eLog -Container with the containers of the job''s pods too, when the cluster answers' {
            # A pod of the Job with a container the manifest does not have, as a mutating webhook adds a sidecar.
            $ns = New-TestNamespace
            ConvertTo-Json -Depth 6 -Compress @{
                apiVersion = 'v1'; kind = 'Pod'
                metadata = @{ name = 'test-alpha-e2e-x1'; labels = @{ 'batch.kubernetes.io/job-name' = 'test-alpha-e2e' } }
                spec = @{ containers = @(@{ name = 'test-runner'; image = 'busybox' }, @{ name = 'istio-proxy'; image = 'proxy' }) }
            } | kubectl --kubeconfig $Kc create -n $ns -f - | Out-Null
            Push-Location $Repo
            try { $names = Get-Completion "Get-E2eLog -Name alpha -Kubeconfig '$Kc' -Namespace $ns -Container " } finally { Pop-Location }
            $names | Should -Be @('clone-repo', 'test-runner', 'istio-proxy')
        }
    }

    Context 'private registries: -ImagePullSecret' {
        BeforeAll {
            $script:PullRepo = New-TestGitRepository
            function Get-NamespaceObject([string] $Namespace) {
                @(kubectl --kubeconfig $Kc get 'jobs,serviceaccounts,roles,rolebindings' -n $Namespace -o name | Where-Object { $_ -ne 'serviceaccount/default' })
            }
        }
        AfterAll { Remove-Item $PullRepo -Recurse -Force -ErrorAction SilentlyContinue }

        It 'writes the Secrets to the pod spec imagePullSecrets' {
            $job = New-E2eJob -Name pulled -TestPath tests/e2e -Image localhost:5000/e2eps-surface-pulled:1 -ImagePullSecret regcred, mirror -Path $PullRepo
            $text = Get-Content -Raw -LiteralPath $job.ManifestPath
            $text | Should -Match '(?m)^\s+imagePullSecrets:\s*\r?\n\s+- name: regcred\s*\r?\n\s+- name: mirror'
        }

        It 'refuses a Secret name that cannot be one, writing nothing' {
            New-E2eJob -Name badsecret -TestPath tests/e2e -ImagePullSecret 'Not_A_Name' -Path $PullRepo -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSecretName,*'
            Join-Path $PullRepo 'deploy/k8s/99-test-badsecret-e2e.yaml' | Should -Not -Exist
        }

        It 'Start-E2eJob stops at a missing pull Secret, changing nothing' {
            $ns = New-TestNamespace
            Start-E2eJob pulled -Path $PullRepo -Namespace $ns -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImagePullSecretNotFound,*'
            $problems[0].TargetObject | Should -Be 'regcred'
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'kubectl create secret docker-registry regcred'
            Get-NamespaceObject $ns | Should -BeNullOrEmpty
        }

        It 'Start-E2eJob stops at a pull Secret of another type, changing nothing' {
            $ns = New-TestNamespace
            kubectl --kubeconfig $Kc create secret docker-registry regcred -n $ns --docker-server=localhost:5000 --docker-username=u --docker-password=p | Out-Null
            kubectl --kubeconfig $Kc create secret generic mirror -n $ns --from-literal=token=t | Out-Null
            Start-E2eJob pulled -Path $PullRepo -Namespace $ns -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImagePullSecretInvalid,*'
            $problems[0].TargetObject | Should -Be 'mirror'
            Get-NamespaceObject $ns | Should -BeNullOrEmpty
        }

        It 'Start-E2eJob starts the job when every pull Secret is a dockerconfigjson one' {
            $ns = New-TestNamespace
            foreach ($name in 'regcred', 'mirror') {
                kubectl --kubeconfig $Kc create secret docker-registry $name -n $ns --docker-server=localhost:5000 --docker-username=u --docker-password=p | Out-Null
            }
            $run = Start-E2eJob pulled -Path $PullRepo -Namespace $ns -Kubeconfig $Kc
            $run.JobName | Should -BeLike 'test-pulled-e2e-*'
            kubectl --kubeconfig $Kc get job $run.JobName -n $ns -o 'jsonpath={.spec.template.spec.imagePullSecrets[*].name}' | Should -Be 'regcred mirror'
        }

        It 'Get-E2eDiagnostic says when a pull Secret of the job is missing' {
            $ns = New-TestNamespace
            foreach ($name in 'regcred', 'mirror') {
                kubectl --kubeconfig $Kc create secret docker-registry $name -n $ns --docker-server=localhost:5000 --docker-username=u --docker-password=p | Out-Null
            }
            $run = Start-E2eJob pulled -Path $PullRepo -Namespace $ns -Kubeconfig $Kc
            kubectl --kubeconfig $Kc delete secret mirror -n $ns | Out-Null
            $diagnostic = $run | Get-E2eDiagnostic
            $missing = @($diagnostic.Findings | Where-Object { $_.Severity -eq 'Error' -and $_.Message -match 'pull Secret mirror does not exist' })
            $missing.Count | Should -Be 1
            $missing[0].Check | Should -Be 'Image'
            $diagnostic.Findings | Where-Object { $_.Severity -eq 'Ok' -and $_.Message -match 'pull Secret regcred exists' } | Should -Not -BeNullOrEmpty
        }
    }

    Context 'an image that was built but not pushed' {
        It 'is not started by Start-E2eJob: ImageNotPushed, with the image as target, and nothing changed' {
            $ns = New-TestNamespace
            $image = New-UnpushedImage alpha $ns
            $runs = @($image | Start-E2eJob -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotPushed,*'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $problems[0].TargetObject | Should -Be $image.Reference
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Build-E2eImage -Push'
            Get-TestJob $ns | Should -BeNullOrEmpty
        }

        It 'is not run by Invoke-E2eTest' {
            $ns = New-TestNamespace
            $runs = @(New-UnpushedImage beta $ns | Invoke-E2eTest -Kubeconfig $Kc -CiSystem None -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            @($problems.FullyQualifiedErrorId) -like 'ImageNotPushed,*' | Should -Not -BeNullOrEmpty
            Get-TestJob $ns | Should -BeNullOrEmpty
        }

        It 'is started once pushed' {
            $ns = New-TestNamespace
            $run = New-UnpushedImage alpha $ns -Pushed $true | Start-E2eJob -Kubeconfig $Kc
            $run.JobName | Should -BeLike 'test-alpha-e2e-*'
            $run.Image | Should -Be 'localhost:5000/e2eps-surface-alpha:1'
        }

        It 'gives way to an -Image given on the command line' {
            $ns = New-TestNamespace
            $run = New-UnpushedImage alpha $ns | Start-E2eJob -Image localhost:5000/e2eps-surface-alpha:2 -Kubeconfig $Kc
            $run.Image | Should -Be 'localhost:5000/e2eps-surface-alpha:2'
        }
    }
}

Describe 'Importing the module again and side by side' {
    BeforeAll {
        # A copy of the module's layout in another folder, as ./build.ps1 -Task Package lays it out.
        $script:Copy = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-copy-' + [guid]::NewGuid().ToString('N'))
        $script:CopyRoot = Join-Path $Copy 'E2ePs/0.1.0'
        New-Item -ItemType Directory -Path $CopyRoot | Out-Null
        foreach ($item in 'E2ePs.psd1', 'bin', 'module', 'templates', 'en-US') {
            Copy-Item (Join-Path $Root $item) -Destination $CopyRoot -Recurse
        }
    }

    AfterAll { Remove-Item $Copy -Recurse -Force -ErrorAction SilentlyContinue }

    It 'imports a second copy after the first in one session, with no error, and formats a job' {
        $run = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$Root/E2ePs.psd1'; Import-Module '$CopyRoot/E2ePs.psd1'; Import-Module '$Root/E2ePs.psd1' -Force; `$job = [E2ePs.Models.E2eJob]@{ Name = 'api'; Namespace = 'e2e' }; (`$job | Format-Table | Out-String) -match 'api'; 'IMPORTED'"
        $run.Output -join "`n" | Should -Not -Match 'Error in TypeData|already present'
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'IMPORTED'
        $run.Output | Should -Contain 'True'
    }

    It 'names the CI script of an installed module in $E2ePsInvokeJob, which runs it' {
        $run = Invoke-FreshPwsh "`$env:PSModulePath = '$Copy' + [IO.Path]::PathSeparator + `$env:PSModulePath; Import-Module E2ePs; 'SCRIPT=' + `$E2ePsInvokeJob; & `$E2ePsInvokeJob -Name no-such-job -Path '$Copy' *> `$null; 'EXIT=' + `$LASTEXITCODE"
        $run.Output | Should -Contain "SCRIPT=$(Join-Path $CopyRoot 'module/Invoke-E2eJob.ps1')"
        # 4: E2ePs could not do its work (no such job).
        $run.Output | Should -Contain 'EXIT=4'
    }

    It 'imports the same copy again with -Force' {
        $run = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$CopyRoot/E2ePs.psd1'; Remove-Module E2ePs; Import-Module '$CopyRoot/E2ePs.psd1'; Import-Module '$CopyRoot/E2ePs.psd1' -Force; 'IMPORTED'"
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'IMPORTED'
    }
}

Describe 'Format views' {
    BeforeDiscovery {
        # Every table column of the format file, with the type it belongs to.
        $format = [xml](Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../module/E2ePs.Format.ps1xml'))
        $columns = foreach ($view in $format.Configuration.ViewDefinitions.View | Where-Object { $_.TableControl }) {
            $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
            $items = @($view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem)
            for ($i = 0; $i -lt $items.Count; $i++) {
                @{ Type = $view.ViewSelectedBy.TypeName; Label = $headers[$i].Label; Property = $items[$i].PropertyName }
            }
        }
    }

    It '<Type>: the column <Label> shows the property <Label>, if there is one' -ForEach $columns {
        # Where-Object <label> -eq '<what the table shows>' must find the row.
        # A view selected by a type name with a suffix (E2ePs.Models.E2eRun#Listed, which Get-E2eRun adds) shows that .NET type.
        $properties = ([type]($Type -replace '#.*$')).GetProperties().Name
        if ($Label -in $properties -and $Property) { $Property | Should -Be $Label }
    }

    It 'shows the whole RunId of a run at 80 columns, and the rest in Format-List' {
        $start = [datetimeoffset]'2026-11-28T06:30:15Z'
        $run = [E2ePs.Models.E2eRun]@{
            Name = 'vllm-agent-tools'; Namespace = 'swe-ai-fleet'; Status = 'Failed'; Reason = 'BackoffLimitExceeded'; ExitCode = 1
            RunId = '20261128-063015-3f9a1c'; PodNames = [string[]]@('test-vllm-agent-tools-e2e-x1'); StartTime = $start; CompletionTime = $start.AddSeconds(130)
        }
        $table = $run | Format-Table | Out-String -Width 80
        $table | Should -Match '20261128-063015-3f9a1c'
        $table | Should -Match 'vllm-agent-tools\s+Failed'
        $list = $run | Format-List | Out-String -Width 80
        foreach ($property in 'Namespace', 'ExitCode', 'PodNames', 'Reason') { $list | Should -Match "(?m)^$property\s*:" }
    }
}

Describe 'Waiting: progress, -Verbose, PodNames and the kind of a failure' {
    BeforeAll {
        . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')
        $script:WaitWork = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-surface-wait-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $WaitWork | Out-Null
        $scenarios = Join-Path $WaitWork 'scenarios.json'
        ConvertTo-Json -Depth 4 -InputObject @(
            @{ image = 'localhost:5000/e2eps-surface-slow:*'; lines = @('collected 1 item'); durationMs = 3600000 }
            @{ image = 'localhost:5000/e2eps-surface-fail:*'; lines = @('tests/e2e/test_shop.py::test_cart FAILED'); exitCode = 1 }
            @{ image = 'localhost:5000/e2eps-surface-nopull:*'; imageMissing = $true }
        ) | Set-Content -LiteralPath $scenarios
        $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
        $script:WaitEmulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $WaitWork 'kubeconfig')
        $script:WKc = $WaitEmulator.KubeconfigPath
        $script:WNs = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        kubectl --kubeconfig $WKc create namespace $WNs | Out-Null
        $script:WRepo = New-TestGitRepository
        foreach ($name in 'pass', 'fail', 'slow') {
            New-E2eJob -Name $name -TestPath tests/e2e/test_shop.py -Namespace $WNs -Image "localhost:5000/e2eps-surface-${name}:1" -Memory 64Mi -Cpu 100m -Path $WRepo | Out-Null
        }

        function Invoke-EmulatorFault {
            param([hashtable] $Faults)
            Invoke-RestMethod -Method Post -Uri "$($WaitEmulator.Server)/_emulator/faults" -SkipCertificateCheck -ContentType 'application/json' `
                -Headers @{ Authorization = "Bearer $($WaitEmulator.Token)" } -Body (ConvertTo-Json $Faults) | Out-Null
        }
    }

    AfterAll {
        if ($WaitEmulator) { Stop-KubeEmulator $WaitEmulator }
        Remove-Item $WRepo, $WaitWork -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'lists the pods of a run that ended before the wait began, even when the pods answer last' {
        $run = Start-E2eJob pass -Path $WRepo -Kubeconfig $WKc
        kubectl --kubeconfig $WKc wait --for=condition=complete "job/$($run.JobName)" -n $WNs --timeout=120s | Out-Null
        $pods = @(kubectl --kubeconfig $WKc get pods -n $WNs -l "e2eps.io/run-id=$($run.RunId)" -o 'jsonpath={.items[*].metadata.name}') -split ' ' | Where-Object { $_ }
        $pods | Should -Not -BeNullOrEmpty
        # The first lists of pods fail (503, retried): the Jobs' list comes back first.
        Invoke-EmulatorFault @{ serverErrorCount = 2; serverErrorCode = 503; serverErrorVerb = 'list'; serverErrorResource = 'pods' }
        $finished = $run | Wait-E2eJob
        $finished.Status | Should -Be 'Succeeded'
        $finished.PodNames | Should -Be $pods
    }

    It 'classifies a failed run as Invoke-E2eTest does, with the same next step' {
        $waited = Start-E2eJob fail -Path $WRepo -Kubeconfig $WKc | Wait-E2eJob -ErrorVariable waitErrors -ErrorAction SilentlyContinue
        $waited.Status | Should -Be 'Failed'
        $waited.FailureKind | Should -Be 'TestFailure'
        $invoked = Invoke-E2eTest fail -Path $WRepo -Kubeconfig $WKc -CiSystem None -ErrorVariable invokeErrors -ErrorAction SilentlyContinue 6> $null
        $invoked.FailureKind | Should -Be $waited.FailureKind
        $waitError = $waitErrors | Where-Object FullyQualifiedErrorId -like 'E2eRunFailed,*'
        $invokeError = $invokeErrors | Where-Object FullyQualifiedErrorId -like 'E2eRunFailed,*'
        $waitError.ErrorDetails.RecommendedAction | Should -Be $invokeError.ErrorDetails.RecommendedAction
        $waitError.ErrorDetails.RecommendedAction | Should -Match 'Get-E2eResult'
    }

    It 'classifies an image pull failure as Invoke-E2eTest does, with the same next step (Get-E2eDiagnostic)' {
        # A repository of its own, so the other tests' counts of jobs stay as they are.
        $repo = New-TestGitRepository
        New-E2eJob -Name nopull -TestPath tests/e2e/test_shop.py -Namespace $WNs -Image 'localhost:5000/e2eps-surface-nopull:1' -Memory 64Mi -Cpu 100m -Path $repo | Out-Null
        $waited = Start-E2eJob nopull -Path $repo -Kubeconfig $WKc | Wait-E2eJob -Timeout 120 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
        $waited.Status | Should -Be 'Failed'
        $waited.FailureKind | Should -Be 'Infrastructure'
        $waited.Reason | Should -BeIn 'ErrImagePull', 'ImagePullBackOff'
        $invoked = Invoke-E2eTest nopull -Path $repo -Kubeconfig $WKc -CiSystem None -Timeout 120 -ErrorVariable invokeErrors -ErrorAction SilentlyContinue 6> $null
        $invoked.FailureKind | Should -Be $waited.FailureKind
        $waitError = $waitErrors | Where-Object FullyQualifiedErrorId -like 'E2eRunFailed,*'
        $invokeError = $invokeErrors | Where-Object FullyQualifiedErrorId -like 'E2eRunFailed,*'
        $waitError.ErrorDetails.RecommendedAction | Should -Be $invokeError.ErrorDetails.RecommendedAction
        $waitError.ErrorDetails.RecommendedAction | Should -Match 'Get-E2eDiagnostic -Name nopull'
        $waitError.ErrorDetails.RecommendedAction | Should -Not -Match 'kubectl describe'
        Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'reports a timeout as TimedOut once, with FailureKind TimedOut' {
        $run = Start-E2eJob slow -Path $WRepo -Kubeconfig $WKc
        $ended = $run | Wait-E2eJob -Timeout 2 -ErrorVariable problems -ErrorAction SilentlyContinue
        $ended.Status | Should -Be 'TimedOut'
        $ended.FailureKind | Should -Be 'TimedOut'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'E2eRunTimedOut,*'
        $problems[0].Exception.Message | Should -Not -Match 'TimedOut: TimedOut'
        $problems[0].ErrorDetails.RecommendedAction | Should -Match '-Timeout'
    }

    It 'moves the elapsed time of its progress while nothing changes' {
        $run = Start-E2eJob slow -Path $WRepo -Kubeconfig $WKc
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $Root 'E2ePs.psd1')).AddStatement().
                AddCommand('Wait-E2eJob').AddParameter('InputObject', $run).AddParameter('Timeout', 6).AddParameter('ProgressAction', 'Continue')
            $null = $ps.Invoke()
            $status = @($ps.Streams.Progress | Where-Object RecordType -ne 'Completed' | ForEach-Object StatusDescription)
            $errors = @($ps.Streams.Error | ForEach-Object { "$_" })
        } finally { $ps.Dispose() }
        $errors | Where-Object { $_ -notmatch 'TimedOut' } | Should -BeNullOrEmpty
        # The same counts, written again with a later elapsed time: the clock ticks into the updates.
        $same = $status | Where-Object { $_ -like '0 pending, 1 running, 0 succeeded, 0 failed (*' }
        @($same | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 3 -Because "the progress was: $($status -join "; ")"
    }

    It 'says with -Verbose what it watches and what changed' {
        $run = Start-E2eJob pass -Path $WRepo -Kubeconfig $WKc
        $verbose = @($run | Wait-E2eJob -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Where-Object { $_ -match "^Watching .* namespace $WNs .*$($run.RunId)" } | Should -Not -BeNullOrEmpty
        $verbose | Where-Object { $_ -match "$($run.JobName) \(run $($run.RunId)\) ended: Succeeded" } | Should -Not -BeNullOrEmpty
    }

    It 'Get-E2eJob says with -Verbose where it looks and what it read' {
        $verbose = @(Get-E2eJob -Path $WRepo -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Where-Object { $_ -like "*$(Join-Path $WRepo 'deploy/k8s')*" } | Should -Not -BeNullOrEmpty
        @($verbose | Where-Object { $_ -like 'Read job *' }).Count | Should -Be 3
    }

    It 'declares System.String among the output types of Get-E2eLog (-Timestamps)' {
        (Get-Command Get-E2eLog).OutputType.Type | Should -Contain ([string])
        (Get-Command Get-E2eLog).OutputType.Type | Should -Contain ([E2ePs.Models.E2eLogLine])
    }
}
