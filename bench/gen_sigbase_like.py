#!/usr/bin/env python3
"""Writes a synthetic rule set shaped like the large public threat-hunting
sets (signature-base, Yara-Rules), seeded and deterministic, for benchmarks
on machines where those sets are absent (they are the speed issue's held-out
measures: vigil is not tuned on them, and this file was written without
them, from their published style).

The shape: thousands of rules of 3-12 strings each (~15,000 strings with the
default count), mostly text literals of Windows malware vocabulary (API
names, paths, registry keys, URLs, commands, PDB paths), a quarter of them
`ascii wide`, some `fullword` or `nocase`; about 10% hex strings with
wildcards and jumps, 2% regular expressions; conditions that gate on the
MZ header and a file size and then count strings (`uint16(0) == 0x5a4d and
filesize < 500KB and (1 of ($x*) or 3 of ($s*))`), webshell-style rules
without a header gate, and a few that count or locate matches. A share of
the strings are ones common in ELF binaries too, so that a scan of /usr/bin
sees realistic hit rates rather than none at all.

Usage: gen_sigbase_like.py OUT.yar [RULES]   (default 2000 rules, ~15,000 strings)
"""
import random
import sys

APIS = ['VirtualAlloc', 'VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread',
        'GetProcAddress', 'LoadLibraryA', 'LoadLibraryW', 'OpenProcess', 'CreateProcessA',
        'ShellExecuteA', 'WinExec', 'URLDownloadToFileA', 'InternetOpenA', 'InternetReadFile',
        'HttpSendRequestA', 'RegSetValueExA', 'RegCreateKeyExA', 'CreateServiceA',
        'StartServiceA', 'OpenSCManagerA', 'CryptEncrypt', 'CryptAcquireContextA',
        'NtUnmapViewOfSection', 'ZwQueryInformationProcess', 'IsDebuggerPresent',
        'GetTickCount', 'Sleep', 'CreateMutexA', 'FindFirstFileA', 'FindNextFileA',
        'GetSystemDirectoryA', 'GetTempPathA', 'SetWindowsHookExA', 'GetAsyncKeyState',
        'WSAStartup', 'gethostbyname', 'InternetConnectA', 'DeleteFileA', 'MoveFileExA',
        'AdjustTokenPrivileges', 'LookupPrivilegeValueA', 'CreateToolhelp32Snapshot',
        'Process32First', 'Process32Next', 'ReadProcessMemory', 'SetThreadContext']
WORDS = ['update', 'service', 'client', 'server', 'loader', 'inject', 'payload', 'config',
         'beacon', 'agent', 'stager', 'dropper', 'keylog', 'screen', 'upload', 'download',
         'shell', 'exec', 'command', 'task', 'report', 'install', 'persist', 'mutex',
         'encrypt', 'decrypt', 'ransom', 'wallet', 'bitcoin', 'steal', 'browser', 'cookie',
         'password', 'token', 'session', 'proxy', 'tunnel', 'socks', 'backdoor', 'rat',
         'spy', 'miner', 'worm', 'bot', 'panel', 'gate', 'admin', 'login', 'victim', 'hook']
DLLS = ['kernel32.dll', 'ntdll.dll', 'advapi32.dll', 'wininet.dll', 'ws2_32.dll',
        'user32.dll', 'shell32.dll', 'urlmon.dll', 'crypt32.dll', 'msvcrt.dll']
PATHS = ['\\AppData\\Roaming\\', '\\Temp\\', 'C:\\Windows\\System32\\', 'C:\\ProgramData\\',
         '\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\', 'C:\\Users\\Public\\',
         '\\\\.\\pipe\\', '%APPDATA%\\', '%TEMP%\\', 'C:\\Windows\\Tasks\\']
REGKEYS = ['Software\\Microsoft\\Windows\\CurrentVersion\\Run',
           'SYSTEM\\CurrentControlSet\\Services\\', 'Software\\Classes\\mscfile\\shell\\open',
           'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon']
COMMANDS = ['cmd.exe /c ', 'powershell -nop -w hidden -enc ', 'schtasks /create /tn ',
            'net user ', 'whoami /all', 'vssadmin delete shadows /all /quiet',
            'bcdedit /set {default} recoveryenabled no', 'reg add ', 'taskkill /f /im ',
            'rundll32.exe ', 'regsvr32 /s /n /u /i:', 'certutil -urlcache -split -f ']
# Strings that are common in ELF binaries as well (public rule sets do hold
# such generic strings, usually next to rarer ones and behind other gates).
COMMON = ['GLIBC_2.2.5', '__libc_start_main', '/lib64/ld-linux-x86-64.so.2', 'GCC: (Debian',
          '__gmon_start__', '_ITM_deregisterTMCloneTable', 'usage: %s', '/dev/null',
          '/bin/sh', '/tmp/', 'http://', 'https://', 'User-Agent', 'Content-Type',
          'HTTP/1.1', 'Mozilla/5.0', 'application/octet-stream', 'password', '/proc/self',
          'LD_PRELOAD', 'socket', 'connect', 'base64', '%s/%s', 'error: %s', 'Copyright',
          'malloc', 'strlen', 'memcpy', 'getenv', 'pthread_create', '.text', '.data',
          'GetProcAddress', 'kernel32.dll', 'This program cannot be run in DOS mode']
TLDS = ['.com', '.net', '.org', '.ru', '.cn', '.top', '.xyz', '.info']


def ident(rnd, n):
    return ''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(n))


def text_string(rnd):
    k = rnd.random()
    if k < 0.07:
        return rnd.choice(COMMON)
    if k < 0.20:
        return rnd.choice(APIS)
    if k < 0.30:
        return '%s%s' % (rnd.choice(PATHS), ident(rnd, rnd.randint(4, 10)) + '.exe')
    if k < 0.36:
        return rnd.choice(REGKEYS) + '\\' + ident(rnd, rnd.randint(4, 9))
    if k < 0.44:
        return 'http://%s%s/%s.php' % (ident(rnd, rnd.randint(5, 12)), rnd.choice(TLDS),
                                       rnd.choice(WORDS))
    if k < 0.52:
        return rnd.choice(COMMANDS) + ident(rnd, rnd.randint(3, 8))
    if k < 0.58:
        return 'C:\\Users\\%s\\Desktop\\%s\\Release\\%s.pdb' % (
            ident(rnd, 6), rnd.choice(WORDS), rnd.choice(WORDS))
    if k < 0.66:
        return 'Global\\%s' % ident(rnd, rnd.randint(8, 20))
    if k < 0.74:
        return '[%s] %s %%s' % (rnd.choice(WORDS).upper(), rnd.choice(WORDS))
    if k < 0.82:
        return '%s_%s_%s' % (rnd.choice(WORDS), rnd.choice(WORDS), ident(rnd, 3))
    return ''.join(rnd.choice(WORDS).capitalize() for _ in range(rnd.randint(2, 3)))


def quote(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def hex_string(rnd):
    parts = []
    for _ in range(rnd.randint(8, 24)):
        k = rnd.random()
        if k < 0.08:
            parts.append('??')
        elif k < 0.11 and parts:
            lo = rnd.randint(0, 4)
            parts.append('[%d-%d]' % (lo, lo + rnd.randint(1, 6)))
        else:
            parts.append('%02X' % rnd.choice([0x8B, 0x89, 0x48, 0x4C, 0xE8, 0xFF, 0x55, 0x33,
                                               0xC0, 0x74, 0x75, 0x0F, 0x83, 0x6A, 0x68]
                                              + list(range(0x20, 0x7F))))
    # a hex string may not end in a jump or wildcard
    while parts and (parts[-1].startswith('[') or parts[-1] == '??'):
        parts.pop()
    parts.append('%02X' % rnd.randint(1, 255))
    return '{ %s }' % ' '.join(parts)


def regex_string(rnd):
    w = rnd.choice(WORDS)
    k = rnd.randint(0, 4)
    if k == 0:
        return '/%s[0-9]{2,6}\\.(exe|dll)/' % w
    if k == 1:
        return '/https?:\\/\\/[a-z0-9\\.\\-]{4,40}\\/%s\\.php/' % w
    if k == 2:
        return '/%s.{0,20}%s/' % (w, rnd.choice(WORDS))
    if k == 3:
        return '/[A-Za-z0-9+\\/]{30,}%s/' % w
    return '/\\\\%s\\\\[a-z]{3,10}\\.(bat|vbs|ps1)/ nocase' % w


def rule(rnd, i):
    n = rnd.randint(3, 12)
    strings = []
    names = []
    nx = rnd.randint(0, 2)
    for j in range(n):
        prefix = 'x' if j < nx else 's'
        name = '$%s%d' % (prefix, j + 1)
        k = rnd.random()
        if k < 0.10:
            body = hex_string(rnd)
        elif k < 0.12:
            body = regex_string(rnd)
        else:
            body = quote(text_string(rnd))
            m = rnd.random()
            if m < 0.25:
                body += ' ascii wide'
            elif m < 0.30:
                body += ' wide'
            elif m < 0.38:
                body += ' ascii nocase'
            else:
                body += ' ascii'
            if rnd.random() < 0.2:
                body += ' fullword'
        strings.append('      %s = %s' % (name, body))
        names.append(name)
    k = rnd.random()
    ns = n - nx
    some = max(1, min(ns, rnd.randint(2, 4)))
    if k < 0.62:
        size = rnd.choice(['100KB', '200KB', '500KB', '1000KB', '2MB', '3MB', '6MB'])
        inner = ('1 of ($x*) or %d of ($s*)' % (some,)) if nx else ('%d of them' % some)
        cond = 'uint16(0) == 0x5a4d and filesize < %s and (%s)' % (size, inner)
    elif k < 0.77:
        cond = 'filesize < %s and %d of them' % (rnd.choice(['50KB', '100KB', '300KB']), some)
    elif k < 0.87:
        cond = 'all of them'
    elif k < 0.94:
        cond = '%d of them' % some
    elif k < 0.97:
        cond = '#%s > %d and 1 of them' % (names[-1][1:], rnd.randint(1, 3))
    else:
        cond = '%s in (0..4096) and %d of them' % (names[0], some)
    return ('rule SynthSB_%s_%d {\n   meta:\n      description = "synthetic %s rule"\n'
            '      author = "gen_sigbase_like.py"\n   strings:\n%s\n   condition:\n      %s\n}\n'
            % (rnd.choice(WORDS).capitalize(), i, rnd.choice(WORDS), '\n'.join(strings), cond))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rnd = random.Random(7)
    with open(out, 'w') as f:
        for i in range(count):
            f.write(rule(rnd, i))


if __name__ == '__main__':
    main()
