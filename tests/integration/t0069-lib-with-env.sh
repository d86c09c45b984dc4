#!/bin/sh
# lib.sh's with_env, through which the fault scripts (t0011, t0052) give
# their shims VAR=VALUE settings: each value reaches the command whole,
# and a mistake in the settings is caught, not run.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 4

test_expect_success 'the settings reach the command, values with spaces whole' '
	with_env A=1 "B=two words" C= -- sh -c "printf \"%s|%s|%s|%s\" \"\$A\" \"\$B\" \"\${C-unset}\" \"\$1\"" sh "arg one" >out &&
	test "$(cat out)" = "1|two words||arg one"
'

test_expect_success 'what follows -- is the command and its arguments, a -- among them too' '
	with_env X=1 -- printf "%s," a -- b >out &&
	test "$(cat out)" = "a,--,b,"
'

test_expect_code 2 'a word before -- that is not VAR=VALUE is refused, nothing run' '
	with_env A=1 oops -- touch ran 2>err; st=$?
	test ! -e ran && test_grep "not VAR=VALUE" err && exit $st
'

test_expect_code 2 'settings with no command after -- are refused' '
	with_env A=1 -- 2>err; st=$?
	test_grep "no command" err && exit $st
'

test_done
