#!/usr/bin/env bash
# Every message id the plugin can log is listed in audispd-zos-remote(8),
# section MESSAGES, and every id listed there is used by the code: the man
# page is the message catalogue an operator looks ids up in.
set -euo pipefail
src=${ZR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
man=$src/man/audispd-zos-remote.8

in_code=$(grep -ohE '"ZRA[0-9]{4}[IWESD]"' "$src"/plugin/*.c | tr -d '"' | sort -u)
in_man=$(sed -n '/^\.SH MESSAGES/,/^\.SH /p' "$man" | grep -oE '^\.B ZRA[0-9]{4}[IWESD]' |
	awk '{print $2}' | sort -u)

[ -n "$in_code" ] || { echo "FAIL: no message ids found in $src/plugin/*.c"; exit 1; }
missing=$(comm -23 <(echo "$in_code") <(echo "$in_man"))
stale=$(comm -13 <(echo "$in_code") <(echo "$in_man"))
status=0
if [ -n "$missing" ]; then
	echo "FAIL: ids logged by the code but not in $man MESSAGES:"; echo "$missing"; status=1
fi
if [ -n "$stale" ]; then
	echo "FAIL: ids in $man MESSAGES that the code never logs:"; echo "$stale"; status=1
fi
# Each entry has an explanation and a user response.
for id in $in_man; do
	entry=$(sed -n "/^\.B $id\$/,/^\.B ZRA\|^\.SH /p" "$man")
	grep -q 'Explanation:' <<<"$entry" || { echo "FAIL: $id has no Explanation"; status=1; }
	grep -q 'Response:' <<<"$entry" || { echo "FAIL: $id has no Response"; status=1; }
done
n=$(echo "$in_code" | wc -l)
[ $status -eq 0 ] && echo "catalogue: $n ids, code and man page agree"
exit $status
