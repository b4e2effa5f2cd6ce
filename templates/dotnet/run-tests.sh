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
echo "[e2eps] Running dotnet test $E2EPS_TEST_PATH"
if [ -n "$filter" ]; then
    dotnet test "$project" --filter "$filter" --logger "junit;LogFilePath=$results/junit.xml" --logger "console;verbosity=normal"
else
    dotnet test "$project" --logger "junit;LogFilePath=$results/junit.xml" --logger "console;verbosity=normal"
fi
code=$?

if [ -f "$results/junit.xml" ]; then
    echo "----- BEGIN E2EPS JUNIT (gzip+base64) -----"
    gzip -c "$results/junit.xml" | base64 -w 76
    echo "----- END E2EPS JUNIT -----"
fi

echo "[e2eps] dotnet test exited with code $code"
exit $code
