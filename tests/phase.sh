# Sourced by the phase runners of make check (tests/unit/run.sh,
# tests/e2e/run.sh): the result file each leaves for tests/check.sh's
# verdict line.
#
# phase_result WHERE FILE START: from the runner's passed, skipped, failed,
# failed_names and skipped_names, writes FILE and sets total, seconds and
# status; no test at all in WHERE is a failure, never an empty pass.
phase_result() {
	total=$((passed + skipped + failed))
	seconds=$(($(date +%s) - $3))
	if [ "$total" -eq 0 ]; then
		echo "FAIL: no tests in $1"
		failed=1
		failed_names="(none found)"
	fi
	status=PASS
	[ "$failed" -eq 0 ] || status=FAIL
	cat >"$2" <<RESULT
status=$status
passed=$passed
skipped=$skipped
failed=$failed
total=$total
failed_names=${failed_names# }
skipped_names=${skipped_names# }
seconds=$seconds
RESULT
}
