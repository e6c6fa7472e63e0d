/*
 * vigil's bundled default rules: the industry's harmless test files, so that
 * anyone can check an installation end to end without real malware.
 */

rule EICAR_Test_File : test
{
    meta:
        description = "EICAR anti-virus test file (harmless, used to test scanners)"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
        author = "vigil developers"

    strings:
        // The 68-byte test string, in two halves so this rule file itself
        // is not the test file to naive scanners.
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    condition:
        // EICAR's definition: the string at offset 0, optionally followed by
        // white space, at most 128 bytes in all.
        $head at 0 and $tail at 28 and filesize <= 128
}

rule ClamAV_Test_File : test
{
    meta:
        description = "ClamAV's harmless test executable clam.exe (Debian package clamav-testfiles)"
        author = "vigil developers"

    strings:
        // Its 16-bit stub and PE entry code, and its section name.
        $code = { BB 71 10 40 00 33 C0 50 50 8B F3 53 53 50 B0 29 40 30 04 66 AC 79 F9 BA 31 00
                  78 0D AD 50 FF 66 70 0E 1F BE 31 00 E9 E5 FF B4 09 CD 21 B4 4C CD 21 }
        $section = "[CLAMAV]"

    condition:
        uint16(0) == 0x5A4D and $code and $section
}
