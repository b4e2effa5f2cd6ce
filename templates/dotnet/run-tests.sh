#!/bin/sh
# Runs one E2ePs `dotnet test` job inside the cluster.
# E2EPS_TEST_PATH is a project or solution path, or a project path and a --filter expression
# separated by '::'. The JUnit report goes to the log between marker lines, gzip-compressed and
# base64-encoded, so that it survives the pod: Get-E2eResult reads it back from the log.
set -u

if [ -z "${E2EPS_TEST_PATH:-}" ]; then
    echo "[e2eps] E2EPS_TEST_PATH is not set: the Job manifest names the tests to run"
    exit 2
fi

project=${E2EPS_TEST_PATH%%::*}
filter=
case "$E2EPS_TEST_PATH" in
    *::*) filter=${E2EPS_TEST_PATH#*::} ;;
esac

results=/tmp/e2eps-results
rm -rf "$results"
# One file per test assembly ({assembly} is the JUnit logger's token): with one fixed name, the test
# projects of a solution would each overwrite the report of the one before.
logger="junit;LogFilePath=$results/{assembly}.junit.xml"
echo "[e2eps] Running dotnet test $E2EPS_TEST_PATH"
if [ -n "$filter" ]; then
    dotnet test "$project" --filter "$filter" --logger "$logger" --logger "console;verbosity=normal"
else
    dotnet test "$project" --logger "$logger" --logger "console;verbosity=normal"
fi
code=$?

set -- "$results"/*.junit.xml
if [ -f "$1" ]; then
    report=$1
    if [ $# -gt 1 ]; then
        # Several assemblies: one <testsuites> holding every file's <testsuite> elements. The logger
        # writes <testsuites> and </testsuites> on lines of their own (and no XML declaration, maybe a BOM).
        report=$results/merged.xml
        {
            echo '<testsuites>'
            for file in "$@"; do
                sed -e '1s/^\xEF\xBB\xBF//' -e '/^[[:space:]]*<?xml /d' -e '/^[[:space:]]*<testsuites[[:space:]>]/d' \
                    -e '/^[[:space:]]*<testsuites\/\?>[[:space:]]*$/d' -e '/^[[:space:]]*<\/testsuites>/d' "$file"
            done
            echo '</testsuites>'
        } >"$report"
    fi
    echo "----- BEGIN E2EPS JUNIT (gzip+base64) -----"
    gzip -c "$report" | base64 -w 76
    echo "----- END E2EPS JUNIT -----"
else
    echo "[e2eps] dotnet test wrote no JUnit report"
fi

echo "[e2eps] dotnet test exited with code $code"
exit $code
