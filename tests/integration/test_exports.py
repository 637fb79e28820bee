"""libtern.so exports exactly the functions include/tern declares: no internal symbol leaks
out (the library is built with -fvisibility=hidden and the headers mark the API), and no
declared function is missing. The declarations come from the compiler itself (gcc -aux-info
over every public header), the exports from the dynamic symbol table (nm -D)."""
import glob
import os
import re
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def declared_functions(cc, cflags):
    headers = sorted(glob.glob(os.path.join(ROOT, "include", "tern", "*.h")))
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "all.c")
        aux = os.path.join(tmp, "aux.txt")
        with open(src, "w") as f:
            f.writelines('#include "tern/%s"\n' % os.path.basename(h) for h in headers)
        subprocess.run([cc, "-I", os.path.join(ROOT, "include"), *cflags, "-aux-info", aux,
                        "-fsyntax-only", src], check=True)
        with open(aux) as f:
            lines = [l for l in f if "/include/tern/" in l and " extern " in l]
    names = set()
    for line in lines:
        m = re.search(r"\b(\w+) \(", line.split("*/", 1)[1])
        if m:
            names.add(m.group(1))
    return names


def exported_functions(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True,
                         text=True).stdout
    return {f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[1] == "T"}


class Exports(unittest.TestCase):
    def test_the_shared_library_exports_exactly_the_declared_api(self):
        lib = os.environ["LIBTERN"]
        cflags = ["-D" + d for d in os.environ.get("TERN_API_DEFS", "").split(",") if d]
        wolfssl = subprocess.run(["pkg-config", "--cflags", "wolfssl"], capture_output=True, text=True)
        cflags += wolfssl.stdout.split()
        declared = declared_functions(os.environ.get("CC", "cc"), cflags)
        exported = exported_functions(lib)
        self.assertGreater(len(declared), 50, "the headers were not read")
        self.assertEqual(sorted(exported - declared), [], "exported but not declared in include/tern")
        self.assertEqual(sorted(declared - exported), [], "declared in include/tern but not exported")


if __name__ == "__main__":
    unittest.main()
