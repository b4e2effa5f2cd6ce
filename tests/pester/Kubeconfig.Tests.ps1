#Requires -Version 7.4
# Which kubeconfig a cluster cmdlet uses when -Kubeconfig is not given: KUBECONFIG as kubectl reads it,
# a leading ~ expanded, and an error that names the files looked for when none exists. No emulator is
# needed: the kubeconfig points at a port where nothing listens, so reaching the connection step (an
# error naming the context) proves the file was found and read.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force

    $script:Home0 = $env:HOME
    $script:Kubeconfig0 = $env:KUBECONFIG
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-kubeconfig-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path (Join-Path $Work '.kube') | Out-Null
    @'
apiVersion: v1
kind: Config
clusters:
- name: staging
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
users:
- name: staging
  user:
    token: not-a-real-token
contexts:
- name: staging
  context: {cluster: staging, user: staging, namespace: default}
current-context: staging
'@ | Set-Content -LiteralPath (Join-Path $Work '.kube/staging.yaml')

    function Get-RemoveError {
        # The error of removing a job that does not matter; the kubeconfig is what is tested.
        try { Remove-E2eJob -Name ghost -Confirm:$false -ErrorAction Stop; $null }
        catch { $_ }
    }
}

AfterAll {
    $env:HOME = $Home0
    $env:KUBECONFIG = $Kubeconfig0
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'KUBECONFIG' {
    AfterEach {
        $env:HOME = $Home0
        $env:KUBECONFIG = $Kubeconfig0
    }

    It 'a file that does not exist is named with its full path, not "KUBECONFIG is not set"' {
        $env:KUBECONFIG = 'no-such-file.yaml'

        $err = Get-RemoveError

        $err.FullyQualifiedErrorId | Should -BeLike 'KubeconfigNotFound,*'
        $err.CategoryInfo.Category | Should -Be ObjectNotFound
        $err.Exception.Message | Should -BeLike "*'$([IO.Path]::GetFullPath('no-such-file.yaml'))'*"
        $err.Exception.Message | Should -Not -BeLike '*not set*'
    }

    It 'a leading ~ is the home folder, as in about_E2ePs''s example' {
        $env:HOME = $Work
        $env:KUBECONFIG = '~/.kube/staging.yaml'

        $err = Get-RemoveError

        $err.FullyQualifiedErrorId | Should -Not -BeLike 'Kubeconfig*'
        $err.Exception.Message | Should -BeLike "*context 'staging'*"
    }
}
