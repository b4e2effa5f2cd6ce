# Every outcome a Pester report can carry, and names and messages that XML must escape.
Describe 'Outcomes' {
    It 'passes' {
        1 + 1 | Should -Be 2
    }

    It 'fails with a < b & "quotes"' {
        'a < b && c > d' | Should -Be 'said "yes" & ''no'''
    }

    It 'throws an exception' {
        throw 'value <none> & nothing "else"'
    }

    It 'is skipped' -Skip {
        throw 'never runs'
    }

    It 'is slow' {
        Start-Sleep -Seconds 2
        $true | Should -BeTrue
    }

    It 'café naïve 日本語 fails with ünïcödé' {
        'Grüße' | Should -Be 'Gruesse' -Because 'Ünïcödé ≠ ASCII: 日本語 & emoji 🚀'
    }
}

Describe 'A broken setup' {
    BeforeAll {
        throw 'the setup broke: <setup> & ''teardown'''
    }

    It 'cannot run' {
        $true | Should -BeTrue
    }
}
