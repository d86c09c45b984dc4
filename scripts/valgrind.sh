#!/bin/sh
# Runs integration test scripts with every liandong and liandong-server
# process under valgrind (memcheck): any invalid access, use of
# uninitialised memory or definite leak fails the command that had it.
#
#   scripts/valgrind.sh [BUILD] [PATTERN]      (default: build, t000)
#
# It makes BUILD-vg/ with wrapper programs of the same names and runs
# tests/run.sh against it. Slow: valgrind costs 20-50x; keep the pattern
# narrow. Reports go to BUILD-vg/valgrind/.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
PATTERN=${2:-t000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
VG="$BUILD-vg"
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 1; }
rm -rf "$VG"
mkdir -p "$VG/valgrind" "$VG/tests"
for p in liandong liandong-server; do
	cat >"$VG/$p" <<EOF2
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \\
	--log-file="$VG/valgrind/$p.%p.log" "$BUILD/$p" "\$@"
EOF2
	chmod +x "$VG/$p"
done
ln -s "$BUILD/tests/tools" "$VG/tests/tools"
status=0
"$TOP/tests/run.sh" "$VG" "$PATTERN" || status=$?
# Any log with content is a finding, even where the test did not fail.
found=$(find "$VG/valgrind" -type f -size +0 | wc -l)
echo "valgrind: $(ls "$VG/valgrind" | wc -l) processes checked, $found with reports"
[ "$found" -eq 0 ] || { find "$VG/valgrind" -type f -size +0 -exec cat {} +; status=1; }
exit $status
