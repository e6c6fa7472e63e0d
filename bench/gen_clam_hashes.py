#!/usr/bin/env python3
"""Writes a synthetic ClamAV .hsb database: N lines of `sha256:size:Name`
(default 2,000,000), seeded and deterministic, for the 2.1M-signature
benchmark on machines without ClamAV's real databases (main.cvd and
daily.cvd hold ~2M whole-file hashes between them).

The shape, from the published databases' style: random SHA-256 digests;
file sizes spread log-uniformly from 512 bytes to 16 MiB, as malware samples
are (so many small sizes repeat and large ones rarely do); names in
ClamAV's `Platform.Category.Family-SigID-Revision` form, each name shared by
a few consecutive lines (a batch of samples added under one signature ID,
--per-name, default 3 on average); with --wild, a share of lines use the
"*" size (which needs the functionality-level field, 73).

Usage: gen_clam_hashes.py OUT.hsb [N] [--seed S] [--per-name K] [--wild FRACTION]
"""
import argparse
import math
import random

PLATFORMS = ['Win', 'Win', 'Win', 'Win', 'Doc', 'Xls', 'Pdf', 'Html', 'Js', 'Unix', 'Andr',
             'Osx', 'Java', 'Txt', 'Email', 'Multios']
CATEGORIES = ['Trojan', 'Trojan', 'Malware', 'Malware', 'Downloader', 'Dropper', 'Worm',
              'Virus', 'Adware', 'Exploit', 'Packed', 'Ransomware', 'Spyware', 'Coinminer',
              'Keylogger', 'Backdoor', 'Phishing']
FAMILIES = ['Agent', 'Generic', 'Zbot', 'Emotet', 'Kazy', 'Razy', 'Ursnif', 'Dridex', 'Tinba',
            'Sality', 'Virut', 'Ramnit', 'Upatre', 'Fareit', 'Nanocore', 'Remcos', 'AgentTesla',
            'Lokibot', 'Formbook', 'Qakbot', 'Trickbot', 'Gozi', 'Mirai', 'Gafgyt', 'Tsunami',
            'Xmrig', 'Hiddad', 'Triada', 'Joker', 'Autoit', 'Vbs', 'Powershell', 'Macro',
            'Cobaltstrike', 'Meterpreter', 'Swrort', 'Bladabindi', 'Darkcomet', 'Nymaim',
            'Glupteba', 'Stop', 'Lockbit', 'Conti', 'Ryuk', 'Wannacry', 'Petya', 'Cerber']


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('out')
    ap.add_argument('n', nargs='?', type=int, default=2_000_000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--per-name', type=float, default=3.0,
                    help='average lines per detection name (1 = every name unique)')
    ap.add_argument('--wild', type=float, default=0.0,
                    help='fraction of lines with size "*"')
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    lo, hi = math.log(512), math.log(16 << 20)
    sigid = 1000000
    left = 0
    name = ''
    with open(a.out, 'w', buffering=1 << 20) as f:
        for _ in range(a.n):
            if left <= 0:
                sigid += rnd.randint(1, 40)
                name = '%s.%s.%s-%d-%d' % (rnd.choice(PLATFORMS), rnd.choice(CATEGORIES),
                                           rnd.choice(FAMILIES), sigid, rnd.choice((0, 0, 0, 1, 2)))
                left = max(1, round(rnd.expovariate(1 / a.per_name))) if a.per_name > 1 else 1
            left -= 1
            digest = '%064x' % rnd.getrandbits(256)
            if a.wild and rnd.random() < a.wild:
                f.write('%s:*:%s:73\n' % (digest, name))
            else:
                f.write('%s:%d:%s\n' % (digest, int(math.exp(rnd.uniform(lo, hi))), name))


if __name__ == '__main__':
    main()
