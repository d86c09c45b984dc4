# jv FILE EXPR: evaluates a Python expression over the JSON document in
# FILE as d (objects allow d.key); prints strings bare, lists of scalars
# space-separated, booleans as true/false, anything else as JSON.
import json, sys
class O(dict):
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k)
def show(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (str, int)):
        return str(v)
    if isinstance(v, list) and all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v):
        return " ".join(str(x) for x in v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)
d = json.load(open(sys.argv[1], encoding="utf-8"), object_hook=O)
print(show(eval(sys.argv[2])))
