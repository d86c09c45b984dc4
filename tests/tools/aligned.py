# aligned FILE: every row of a table starts each column at the same
# display offset as the header (wide characters count two columns).
# Cells are separated by two or more spaces.
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
def starts(line):
    return [width(line[:m.start()]) for m in re.finditer(r"\S+(?: \S+)*", line)]
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
if len(lines) < 2:
    sys.exit("aligned: no rows in %s" % sys.argv[1])
want, bad = starts(lines[0]), 0
for n, line in enumerate(lines[1:], 2):
    if starts(line) != want:
        print("aligned: line %d starts columns at %s, the header at %s: %s"
              % (n, starts(line), want, line), file=sys.stderr)
        bad = 1
sys.exit(bad)
