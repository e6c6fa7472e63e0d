#!/usr/bin/env python3
"""A large file scanned through a mapping: matches on both sides of the
matcher's 32 MiB chunk boundaries are found exactly as yara finds them, reads
of early offsets still work after those pages were given back, and peak
memory stays far below the file's size (pages behind the scan are dropped).
Usage: mapped_e2e.py VIGIL"""
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile

RULES = r'''
rule b1 { strings: $a = "hello_boundary_pattern" condition: #a >= 3 and uint16(0) == 0x5A4D }
rule b2 { strings: $a = { 4D 5A 90 00 ?? 00 } condition: any of them }
rule b3 { strings: $a = "WIDE" wide condition: for all i in (1..#a) : (@a[i] > 0) and uint8(@a[1]) == 0x57 }
rule b4 { strings: $a = /hello_[a-z]+_pattern/ condition: $a }
'''
CHUNK = 32 << 20
SIZE = 3 * CHUNK + (5 << 20)


def main():
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp()
    try:
        # written in blocks and patched in place: this process must stay small,
        # because a forked child's peak memory counts what it inherited
        rnd = random.Random(7)
        block = bytes(rnd.getrandbits(8) for _ in range(1 << 16))
        target = os.path.join(tmp, 'big.bin')
        pats = [b'hello_boundary_pattern', b'\x4d\x5a\x90\x00\x03\x00', b'W\x00I\x00D\x00E\x00']
        with open(target, 'wb') as f:
            for _ in range(SIZE >> 16):
                f.write(block)
            f.seek(0)
            f.write(b'MZ')
            for base in (CHUNK - 5, 2 * CHUNK - 10, 3 * CHUNK - 3, 1000, SIZE - 150,
                         CHUNK - (1 << 20) - 7):
                for i, p in enumerate(pats):
                    f.seek(base + i * 40)
                    f.write(p)
        rules = os.path.join(tmp, 'r.yar')
        with open(rules, 'w') as f:
            f.write(RULES)
        got = subprocess.run([vigil, 'yara', '-s', rules, target], capture_output=True,
                             text=True, check=False)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        fail = False
        if got.returncode != 0:
            print('vigil yara failed:', got.returncode, got.stderr)
            fail = True
        lines = got.stdout.splitlines()
        if shutil.which('yara'):
            want = subprocess.run(['yara', '-s', rules, target], capture_output=True,
                                  text=True, check=False).stdout.splitlines()
            if lines != want:
                print('differs from yara:\n  yara:  %r\n  vigil: %r' % (want, lines))
                fail = True
        elif len(lines) != 28 or not lines[0].startswith('b1 '):
            print('unexpected output (%d lines): %r' % (len(lines), lines[:3]))
            fail = True
        # the file is 101 MiB; with pages dropped behind the scan, far less is resident
        if peak_kb > 80 * 1024:
            print('peak memory %d KB for a %d MB file: pages are not given back' %
                  (peak_kb, SIZE >> 20))
            fail = True
        print('mapped_e2e: %d lines, peak %d KB for %d MB' % (len(lines), peak_kb, SIZE >> 20))
        return 1 if fail else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
