#!/usr/bin/env python3
"""Writes a synthetic, regex-heavy YARA rule set (seeded, deterministic) for
benchmarks: public sets such as signature-base lean on regular expressions far
more than ReversingLabs' hex strings do, and this keeps that case measured
without depending on them. Usage: gen_regex_rules.py OUT.yar [N]"""
import random
import sys


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rnd = random.Random(3)
    words = ['invoke', 'powershell', 'cmd', 'http', 'download', 'payload', 'shell', 'exec',
             'base', 'inject', 'kernel', 'mutex', 'socket', 'thread', 'crypt', 'token']
    rules = []
    for i in range(count):
        w, w2 = rnd.choice(words), rnd.choice(words)
        kind = i % 5
        if kind == 0:
            s = '$a = /%s[_\\-]?%s[0-9]{1,4}/ nocase' % (w, w2)
        elif kind == 1:
            s = '$a = /https?:\\/\\/[a-z0-9\\.\\-]{4,40}\\/%s\\.(php|asp|jsp)/' % w
        elif kind == 2:
            s = '$a = /%s.{0,30}%s/' % (w, w2)
        elif kind == 3:
            s = '$a = /[A-Za-z0-9+\\/]{40,}%s/' % w
        else:
            s = '$a = /\\\\x%d%s[a-z]{2,8}\\(/' % (rnd.randint(10, 99), w)
        rules.append('rule r%d { strings: %s $b = "%s%s%d" condition: $a or $b }' %
                     (i, s, w, w2, i))
    with open(out, 'w') as f:
        f.write('\n'.join(rules) + '\n')


if __name__ == '__main__':
    main()
