/*
 * test_clamav_sig.c - the ClamAV signature line parsers (lib/clamav/sig.h).
 * The table holds lines whose verdict was taken from Debian's clamscan
 * 1.4.6 (`clamscan -d one-line.EXT file`: loads, or "Malformed database"),
 * so every row is a behaviour of the reference; the other tests check the
 * parsed structures (offsets, pattern AST, TDB, expression, subsignatures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/sig.h"

typedef struct row {
    const char *kind, *line;
    bool clamscan_loads;
} row;

static const row rows[] = {
    {"ndb", "T:0:*:68656c6c6f", true},
    {"ndb", "T:0:*:AABBCC", true},
    {"ndb", "T:0:*:aabbc", false},
    {"ndb", "T:0:*:aa??bb", false},
    {"ndb", "T:0:*:aa?bcc", false},
    {"ndb", "T:0:*:aab?cc", false},
    {"ndb", "T:0:*:??aabb", true},
    {"ndb", "T:0:*:aabb??", true},
    {"ndb", "T:0:*:aabb*ccdd", true},
    {"ndb", "T:0:*:aabb{5}ccdd", true},
    {"ndb", "T:0:*:aabb{-5}ccdd", true},
    {"ndb", "T:0:*:aabb{5-}ccdd", true},
    {"ndb", "T:0:*:aabb{5-10}ccdd", true},
    {"ndb", "T:0:*:aabb{10-5}ccdd", true},
    {"ndb", "T:0:*:aabb{}ccdd", true},
    {"ndb", "T:0:*:aabb{x}ccdd", false},
    {"ndb", "T:0:*:aabb{0}ccdd", true},
    {"ndb", "T:0:*:aabb{128}ccdd", true},
    {"ndb", "T:0:*:aabb{5-6-7}ccdd", false},
    {"ndb", "T:0:*:aabb(cc|dd)eeff", true},
    {"ndb", "T:0:*:aabb!(cc|dd)eeff", true},
    {"ndb", "T:0:*:aabb(ccdd|eeff)1122", true},
    {"ndb", "T:0:*:aabb(ccdd|ee)1122", true},
    {"ndb", "T:0:*:aabb(c?|dd)1122", true},
    {"ndb", "T:0:*:aabb!(ccdd|ee)1122", false},
    {"ndb", "T:0:*:(B)aabbcc", true},
    {"ndb", "T:0:*:aabbcc(B)", true},
    {"ndb", "T:0:*:aabb(B)ccdd", true},
    {"ndb", "T:0:*:(L)aabbcc", true},
    {"ndb", "T:0:*:(W)aabbcc", true},
    {"ndb", "T:0:*:!(B)aabbcc", true},
    {"ndb", "T:0:*:aa[1-5]bbccdd", true},
    {"ndb", "T:0:*:aabbcc[1-5]dd", true},
    {"ndb", "T:0:*:aa[1-33]bbccdd", false},
    {"ndb", "T:0:*:aa[1-32]bbccdd", true},
    {"ndb", "T:0:*:aa[5-1]bbccdd", false},
    {"ndb", "T:0:*:aa[3]bbccdd", true},
    {"ndb", "T:0:*:aabb[1-2]ccdd", false},
    {"ndb", "T:0:*:aa[1-2]bbcc[1-2]dd", true},
    {"ndb", "T:0:*:aabb()ccdd", false},
    {"ndb", "T:0:*:aabb(cc|dd", false},
    {"ndb", "T:0:*:aabb(cc*dd)ee", false},
    {"ndb", "T:0:*:aabb(cc{2}dd)ee", true},
    {"ndb", "T:0:*:aa", false},
    {"ndb", "T:0:*:a", false},
    {"ndb", "T:0:*:aabb**ccdd", false},
    {"ndb", "T:0:*:*aabb", false},
    {"ndb", "T:0:*:aabb*", false},
    {"ndb", "T:0:*:aa*bbcc", false},
    {"ndb", "T:0:*:aabb{2}cc", true},
    {"ndb", "T:0:*:??????aabb", true},
    {"ndb", "T:0:*:aabb|ccdd", false},
    {"ndb", "T:0:*:aabb(cc|dd)(ee|ff)1122", true},
    {"ndb", "T:0:*:aabb((cc|dd)|ee)1122", true},
    {"ndb", "T:0:*:aabb(cc|(dd|ee))11", true},
    {"ndb", "T:0:*:aabb(cc(dd|ee)|ff11)22", true},
    {"ndb", "T:0:*:aabb(cc||dd)1122", true},
    {"ndb", "T:0:*:aabb(|dd)1122", false},
    {"ndb", "T:0:*:aa bb cc", false},
    {"ndb", "T:0:*:aabb{5}{6}ccdd", true},
    {"ndb", "T:0:*:aabb{5}*ccdd", true},
    {"ndb", "T:0:*:aabb", false},
    {"ndb", "T:1:*:aabb", true},
    {"ndb", "T:1:0:aabb", false},
    {"ndb", "T:0:0:aabb", false},
    {"ndb", "T:0:*:aabb{5-10}cc{2}dd", false},
    {"ndb", "T:0:*:aabb{2}cc{5-10}dd", false},
    {"ndb", "T:0:*:aa(bb|cc)dd", false},
    {"ndb", "T:0:*:(aa|bb)ccdd", true},
    {"ndb", "T:0:*:aabb(cc|dd)", true},
    {"ndb", "T:14:*:aabbcc", true},
    {"ndb", "T:15:*:aabbcc", true},
    {"ndb", "T:x:*:aabbcc", false},
    {"ndb", "T:*:*:aabbcc", true},
    {"ndb", "T:0:EOF-5:aabbcc", true},
    {"ndb", "T:0:EOF+5:aabbcc", false},
    {"ndb", "T:0:EP+5:aabbcc", false},
    {"ndb", "T:1:EP+5:aabbcc", true},
    {"ndb", "T:1:EP-5:aabbcc", true},
    {"ndb", "T:1:S2+5:aabbcc", true},
    {"ndb", "T:1:SE2:aabbcc", true},
    {"ndb", "T:1:SL+5:aabbcc", true},
    {"ndb", "T:1:VI:aabbcc", true},
    {"ndb", "T:0:VI:aabbcc", false},
    {"ndb", "T:1:VIx:aabbcc", true},
    {"ndb", "T:0:10,20:aabbcc", true},
    {"ndb", "T:0:*,20:aabbcc", false},
    {"ndb", "T:0:EOF-10,5:aabbcc", true},
    {"ndb", "T:0:10,:aabbcc", true},
    {"ndb", "T:0:10,x:aabbcc", false},
    {"ndb", "T:0::aabbcc", true},
    {"ndb", "T:0:-5:aabbcc", false},
    {"ndb", "T:0:$3$:aabbcc", true},
    {"ndb", "T:1:S+5:aabbcc", false},
    {"ndb", "T:1:S2:aabbcc", false},
    {"ndb", "T:1:SE:aabbcc", true},
    {"ndb", "T:1:EP+:aabbcc", true},
    {"ndb", "T:0:*:aabbcc:10", true},
    {"ndb", "T:0:*:aabbcc:10:20", true},
    {"ndb", "T:0:*:aabbcc:x", false},
    {"ndb", "T:0:*:aabbcc:10:20:30", false},
    {"ndb", "T:0:*:aabbcc::", true},
    {"ndb", "T:0:*", false},
    {"ndb", ":0:*:aabbcc", false},
    {"ndb", "T::*:aabbcc", true},
    {"ndb", "T:0:*:", false},
    {"ndb", "T:6:EP+1:aabbcc", true},
    {"ndb", "T:2:EP+1:aabbcc", false},
    {"ndb", "T:1:S1+2x:aabbcc", true},
    {"ndb", "T:1:SEx:aabbcc", false},
    {"ndb", "T:0:*:aabb(Bx)ccdd", false},
    {"ndb", "T:0:*:aabb{-}ccdd", true},
    {"ndb", "T:0:*:aabb{5--7}ccdd", true},
    {"ndb", "T:0:*:aabb{3000000000}ccdd", false},
    {"ndb", "T:0:*:aabb!(c?|dd)1122", false},
    {"ndb", "T:0:*:aabb(aa|b)", false},
    {"ndb", "T:0:*:aabb(cc|)eeff", true},
    {"ndb", "T:0:*:aabb!(B)ccdd", true},
    {"ndb", "T:0:$32$:aabbcc", false},
    {"ndb", "T:0:*:aabb[1-2]cc", true},
    {"ndb", "T:0:*:[1-2]aabbcc", false},
    {"ndb", "T:0:*:aabbcc!(dd|ee)", true},
    {"ndb", "T:0:*:aabb(aa|bb|cc|dd)ccdd", true},
    {"ndb", "T:0:*:aabbccdd{10-20}eeff*001122", true},
    {"ndb", "T:0:*:aabb(a?|?b)ccdd", true},
    /* libclamav's prefilter (targets 0 1 4 7): no special as a part's second element */
    {"ndb", "T:0:*:41(B)4243", false},
    {"ndb", "T:1:*:41(B)4243", false},
    {"ndb", "T:4:*:41(B)4243", false},
    {"ndb", "T:7:*:41(B)4243", false},
    {"ndb", "T:3:*:41(B)4243", true},
    {"ndb", "T:6:*:41(B)4243", true},
    {"ldb", "S;Target:0;0;41(B)4243", false},
    {"ldb", "S;Target:6;0;41(B)4243", true},
    {"ndb", "T:0:*:?" "?(B)4142", false},
    {"ndb", "T:1:*:?" "?(B)4142", false},
    {"ndb", "T:4:*:?" "?(B)4142", false},
    {"ndb", "T:7:*:?" "?(B)4142", false},
    {"ndb", "T:3:*:?" "?(B)4142", true},
    {"ndb", "T:6:*:?" "?(B)4142", true},
    {"ldb", "S;Target:0;0;?" "?(B)4142", false},
    {"ldb", "S;Target:6;0;?" "?(B)4142", true},
    {"ndb", "T:0:*:41(4a4a|4b4b)4243", false},
    {"ndb", "T:1:*:41(4a4a|4b4b)4243", false},
    {"ndb", "T:4:*:41(4a4a|4b4b)4243", false},
    {"ndb", "T:7:*:41(4a4a|4b4b)4243", false},
    {"ndb", "T:3:*:41(4a4a|4b4b)4243", true},
    {"ndb", "T:6:*:41(4a4a|4b4b)4243", true},
    {"ldb", "S;Target:0;0;41(4a4a|4b4b)4243", false},
    {"ldb", "S;Target:6;0;41(4a4a|4b4b)4243", true},
    {"ndb", "T:0:*:(L)41(B)4243", false},
    {"ndb", "T:1:*:(L)41(B)4243", false},
    {"ndb", "T:4:*:(L)41(B)4243", false},
    {"ndb", "T:7:*:(L)41(B)4243", false},
    {"ndb", "T:3:*:(L)41(B)4243", true},
    {"ndb", "T:6:*:(L)41(B)4243", true},
    {"ldb", "S;Target:0;0;(L)41(B)4243", false},
    {"ldb", "S;Target:6;0;(L)41(B)4243", true},
    {"ndb", "T:0:*:4142*41(B)4243", false},
    {"ndb", "T:1:*:4142*41(B)4243", false},
    {"ndb", "T:4:*:4142*41(B)4243", false},
    {"ndb", "T:7:*:4142*41(B)4243", false},
    {"ndb", "T:3:*:4142*41(B)4243", true},
    {"ndb", "T:6:*:4142*41(B)4243", true},
    {"ldb", "S;Target:0;0;4142*41(B)4243", false},
    {"ldb", "S;Target:6;0;4142*41(B)4243", true},
    {"ndb", "T:0:*:41(4a|4b4c|4d)4243", false},
    {"ndb", "T:1:*:41(4a|4b4c|4d)4243", false},
    {"ndb", "T:4:*:41(4a|4b4c|4d)4243", false},
    {"ndb", "T:7:*:41(4a|4b4c|4d)4243", false},
    {"ndb", "T:3:*:41(4a|4b4c|4d)4243", true},
    {"ndb", "T:6:*:41(4a|4b4c|4d)4243", true},
    {"ldb", "S;Target:0;0;41(4a|4b4c|4d)4243", false},
    {"ldb", "S;Target:6;0;41(4a|4b4c|4d)4243", true},
    {"ndb", "T:0:*:41(4a|4b)4243", true},
    {"ndb", "T:1:*:41(4a|4b)4243", true},
    {"ndb", "T:4:*:41(4a|4b)4243", true},
    {"ndb", "T:7:*:41(4a|4b)4243", true},
    {"ndb", "T:3:*:41(4a|4b)4243", true},
    {"ndb", "T:6:*:41(4a|4b)4243", true},
    {"ldb", "S;Target:0;0;41(4a|4b)4243", true},
    {"ldb", "S;Target:6;0;41(4a|4b)4243", true},
    {"ndb", "T:0:*:4142(B)4344", true},
    {"ndb", "T:1:*:4142(B)4344", true},
    {"ndb", "T:4:*:4142(B)4344", true},
    {"ndb", "T:7:*:4142(B)4344", true},
    {"ndb", "T:3:*:4142(B)4344", true},
    {"ndb", "T:6:*:4142(B)4344", true},
    {"ldb", "S;Target:0;0;4142(B)4344", true},
    {"ldb", "S;Target:6;0;4142(B)4344", true},
    {"ndb", "T:0:*:41!(4a|4b)4243", true},
    {"ndb", "T:1:*:41!(4a|4b)4243", true},
    {"ndb", "T:4:*:41!(4a|4b)4243", true},
    {"ndb", "T:7:*:41!(4a|4b)4243", true},
    {"ndb", "T:3:*:41!(4a|4b)4243", true},
    {"ndb", "T:6:*:41!(4a|4b)4243", true},
    {"ldb", "S;Target:0;0;41!(4a|4b)4243", true},
    {"ldb", "S;Target:6;0;41!(4a|4b)4243", true},
    {"ndb", "T:0:*:41(4a|4b)(B)4243", true},
    {"ndb", "T:1:*:41(4a|4b)(B)4243", true},
    {"ndb", "T:4:*:41(4a|4b)(B)4243", true},
    {"ndb", "T:7:*:41(4a|4b)(B)4243", true},
    {"ndb", "T:3:*:41(4a|4b)(B)4243", true},
    {"ndb", "T:6:*:41(4a|4b)(B)4243", true},
    {"ldb", "S;Target:0;0;41(4a|4b)(B)4243", true},
    {"ldb", "S;Target:6;0;41(4a|4b)(B)4243", true},
    {"ldb", "S;Target:0;0;aabbcc", true},
    {"ldb", "S;Target:0;0&1;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;0|1;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;0&1|2;aabbcc;ddeeff;112233", true},
    {"ldb", "S;Target:0;(0&1)|2;aabbcc;ddeeff;112233", true},
    {"ldb", "S;Target:0;0&1;aabbcc", false},
    {"ldb", "S;Target:0;0;aabbcc;ddeeff", false},
    {"ldb", "S;Target:0;1;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;0=2;aabbcc", true},
    {"ldb", "S;Target:0;0>2;aabbcc", true},
    {"ldb", "S;Target:0;0<2;aabbcc", true},
    {"ldb", "S;Target:0;(0|1)>2,2;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;(0|1)=2,1;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;(0|1)<3,2;aabbcc;ddeeff", true},
    {"ldb", "S;Target:0;0=;aabbcc", false},
    {"ldb", "S;Target:0;(0|1;aabbcc;ddeeff", false},
    {"ldb", "S;Target:0;0&&1;aabbcc;ddeeff", false},
    {"ldb", "S;Target:0;;aabbcc", false},
    {"ldb", "S;Target:0;x;aabbcc", false},
    {"ldb", "S;Engine:51-255,Target:1;0;aabbcc", true},
    {"ldb", "S;Target:1,Engine:51-255;0;aabbcc", false},
    {"ldb", "S;Engine:51-255,Target:0,FileSize:10-20;0;aabbcc", true},
    {"ldb", "S;Target:0,FileSize:10-20;0;aabbcc", false},
    {"ldb", "S;Engine:50-255,Target:0,FileSize:10-20;0;aabbcc", false},
    {"ldb", "S;Engine:51-255,Target:1,EntryPoint:0-100;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,EntryPoint:0-100;0;aabbcc", false},
    {"ldb", "S;Engine:51-255,Target:6,NumberOfSections:1-3;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,Container:CL_TYPE_ZIP;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,Container:CL_TYPE_FOO;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,Intermediates:CL_TYPE_ZIP>CL_TYPE_ANY;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,Foo:1;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:1,IconGroup1:abc;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,IconGroup1:abc;0;aabbcc", false},
    {"ldb", "S;Engine:51-255;0;aabbcc", false},
    {"ldb", "S;Target;0;aabbcc", false},
    {"ldb", "S;Target:x;0;aabbcc", false},
    {"ldb", "S;Target:20;0;aabbcc", true},
    {"ldb", "S;Engine:51-255,Target:0,FileSize:10;0;aabbcc", false},
    {"ldb", "S;Target:0;0;aabbcc::i", true},
    {"ldb", "S;Target:0;0;aabbcc::iwfa", true},
    {"ldb", "S;Target:0;0;aabbcc::q", false},
    {"ldb", "S;Target:0;0;10:aabbcc", true},
    {"ldb", "S;Target:0;0;10:aabbcc::i", true},
    {"ldb", "S;Target:0;0;EP+10:aabbcc", false},
    {"ldb", "S;Target:1;0;EP+10:aabbcc", true},
    {"ldb", "S;Target:0;0&1;aabbcc;${1-5}0$", true},
    {"ldb", "S;Target:0;0&1;aabbcc;${1-5}32$", false},
    {"ldb", "S;Target:0;0&1;aabbcc;${1-5}0", false},
    {"ldb", "S;Target:0;0&1;aabbcc;${x}0$", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib2#>512)", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(<<5#hb4#=0x10)", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#dl2#>512)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib3#>512)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib2#>512,<1000)", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib2#>512,<1000,=5)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib2#!512)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ib2)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(5#ib2#>1)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#he19#>1)", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>5#ae4#>1)", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0(>>0x10#ib2#>0x20)", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/i", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/gresmxADU", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/q", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;/abc/", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/a:b/", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/a;b/", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;10:0/abc/", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/::i", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0/abc/::w", true},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0&1/abc/", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;x/abc/", false},
    {"ldb", "S;Engine:81-255,Target:0;0&1;414243;0//", false},
    {"ldb", "S;Target:0;0;aa??bb", false},
    {"ldb", "S;Target:0;0;!(aa|bb)ccdd::i", false},
    {"ldb", "S;Target:0;(0);aabbcc", true},
    {"ldb", "S;Target:0;((0&1)|(2&3))>1;aabbcc;aabbcc;aabbcc;aabbcc", true},
    {"ldb", "S;Target:0;0=1,2;aabbcc", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test:20", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test:20:30", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test:20:30:40", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:0:Eicar", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:x:Eicar", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:*:Eicar", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:*:Eicar:73", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:*:Eicar:72", false},
    {"hdb", "3395856ce81f2b7382dee72602f798b642f14140:68:Eicar-sha1", true},
    {"hdb", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:Eicar-sha256",
     true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f0:68:Bad", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02:68:Bad", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb0zz:68:Bad", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:4294967295:Big", false},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:4294967294:Big", true},
    {"hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar:x", true},
    {"hdb", "44D88612FEA8A8F36DE82E1278ABB02F:68:Upper", true},
    {"mdb", "1024:44d88612fea8a8f36de82e1278abb02f:Sec", true},
    {"mdb", "*:44d88612fea8a8f36de82e1278abb02f:Sec:73", true},
    {"mdb", "*:44d88612fea8a8f36de82e1278abb02f:Sec", false},
    {"mdb", "0:44d88612fea8a8f36de82e1278abb02f:Sec", false},
    {"mdb", "1024:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:Sec256", true},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:.*\\.exe:*:*:*:*:*:*", true},
    {"cdb", "Cdb:*:*:*:*:*:*:*:*:*", true},
    {"cdb", "Cdb:CL_TYPE_FOO:*:*:*:*:*:*:*:*", false},
    {"cdb", "Cdb:CL_TYPE_ZIP:10-20:*:5:*:1:0:*:*", true},
    {"cdb", "Cdb:CL_TYPE_ZIP:10-x:*:5:*:1:0:*:*", false},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:*:*:*:2:*:*:*", false},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:*:*:*:*:*:*:*:50", true},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:*:*:*:*:*:*:*:50:60", true},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:*:*:*:*:*:*:*:x", false},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:*:*:*:*:*:*", false},
    {"cdb", "Cdb:CL_TYPE_ZIP:*:(:*:*:*:*:*:*", false},
    /* libclamav's regex code (Spencer's), not libc's, decides: "(?i)" sets
     * case folding; empty alternatives and stacked repeats are refused,
     * a{,3} is taken (clamscan 1.4.6 on each) */
    {"cdb", "Cdb:*:*:(?i)\\.exe$:*:*:*:*:*:*", true},
    {"cdb", "Cdb:*:*:a||b:*:*:*:*:*:*", false},
    {"cdb", "Cdb:*:*:(|a):*:*:*:*:*:*", false},
    {"cdb", "Cdb:*:*:a**:*:*:*:*:*:*", false},
    {"cdb", "Cdb:*:*:a+?:*:*:*:*:*:*", false},
    {"cdb", "Cdb:*:*:x{256}:*:*:*:*:*:*", false},
    {"cdb", "Cdb:*:*:x{255}:*:*:*:*:*:*", true},
    {"cdb", "Cdb:*:*:a{,3}:*:*:*:*:*:*", true},
    {"ign2", "Eicar-Test", true},
    {"ign2", "Eicar-Test:44d88612fea8a8f36de82e1278abb02f", true},
    {"ign2", "Eicar-Test:abc", false},
    {"ign2", "db:10:Eicar-Test", true},
    {"ign2", "a:b:c:d", false},
};

static cv_status parse(const char *kind, const char *line, cv_arena *a, cv_error *e)
{
    size_t n = strlen(line);
    static cv_ldb l;
    cv_ndb d;
    cv_hashsig h;
    cv_cdb c;
    cv_ign g;
    if (!strcmp(kind, "ndb"))
        return cv_parse_ndb(line, n, a, &d, e);
    if (!strcmp(kind, "ldb"))
        return cv_parse_ldb(line, n, a, &l, e);
    if (!strcmp(kind, "hdb"))
        return cv_parse_hash(line, n, CV_HASH_FILE, a, &h, e);
    if (!strcmp(kind, "mdb"))
        return cv_parse_hash(line, n, CV_HASH_SECTION, a, &h, e);
    if (!strcmp(kind, "cdb"))
        return cv_parse_cdb(line, n, a, &c, e);
    return cv_parse_ign(line, n, a, &g, e);
}

static void test_clamscan_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cv_arena a;
        cv_arena_init(&a);
        cv_error e = {{0}};
        cv_status st = parse(rows[i].kind, rows[i].line, &a, &e);
        bool loads = st != CV_BAD;
        if (loads != rows[i].clamscan_loads) {
            printf("%s line [%s]: clamscan %s, vigil %s (%s)\n", rows[i].kind, rows[i].line,
                   rows[i].clamscan_loads ? "loads" : "refuses", loads ? "loads" : "refuses",
                   e.msg);
            bad++;
        }
        if (st != CV_OK)
            assert_true(e.msg[0] != 0); /* every refusal and skip says why */
        cv_arena_free(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_offsets(void **state)
{
    (void)state;
    cv_offset o;
    cv_error e;
    assert_true(cv_parse_offset("*", 1, 0, &o, &e) && o.kind == CV_OFF_ANY);
    assert_true(cv_parse_offset("100,20", 6, 0, &o, &e));
    assert_true(o.kind == CV_OFF_ABSOLUTE && o.value == 100 && o.shift == 20);
    assert_true(cv_parse_offset("EOF-16", 6, 0, &o, &e) && o.kind == CV_OFF_EOF_MINUS &&
                o.value == 16);
    assert_true(cv_parse_offset("EP-4,8", 6, 1, &o, &e) && o.kind == CV_OFF_EP_MINUS &&
                o.value == 4 && o.shift == 8);
    assert_true(cv_parse_offset("S3+12", 5, 6, &o, &e) && o.kind == CV_OFF_SX_PLUS &&
                o.section == 3 && o.value == 12);
    assert_true(cv_parse_offset("SE2", 3, 9, &o, &e) && o.kind == CV_OFF_SE && o.section == 2);
    assert_true(cv_parse_offset("SL+7", 4, 1, &o, &e) && o.kind == CV_OFF_SL_PLUS && o.value == 7);
    assert_true(cv_parse_offset("VI", 2, 1, &o, &e) && o.kind == CV_OFF_VI);
    assert_true(cv_parse_offset("$5$", 3, 0, &o, &e) && o.kind == CV_OFF_MACRO && o.section == 5);
    /* libclamav's atoi: wraps to 32 bits */
    assert_true(cv_parse_offset("4294967297", 10, 0, &o, &e) && o.value == 1);
    assert_false(cv_parse_offset("EP+1", 4, 0, &o, &e));
    assert_non_null(strstr(e.msg, "target"));
    assert_false(cv_parse_offset("$32$", 4, 0, &o, &e));
    char longoff[80];
    memset(longoff, '1', sizeof(longoff));
    assert_false(cv_parse_offset(longoff, 65, 0, &o, &e));
}

static const char *hexp(const char *s, cv_arena *a, cv_hexsig *h)
{
    static cv_error e;
    return cv_parse_hex(s, strlen(s), 0, false, a, h, &e) ? NULL : e.msg;
}

static void test_hex_ast(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    cv_hexsig h;
    assert_null(hexp("aabb?c??d?{3}ccdd", &a, &h));
    assert_int_equal(h.nparts, 1);
    const cv_hx_seq *s = &h.parts[0].seq;
    /* aa bb ?c SKIP(1) d? SKIP(3) cc dd */
    assert_int_equal(s->n, 8);
    assert_true(s->v[2].kind == CV_HX_BYTE && s->v[2].mask == 0x0f && s->v[2].value == 0x0c);
    assert_true(s->v[3].kind == CV_HX_SKIP && s->v[3].skip == 1);
    assert_true(s->v[4].kind == CV_HX_BYTE && s->v[4].mask == 0xf0 && s->v[4].value == 0xd0);
    assert_true(s->v[5].kind == CV_HX_SKIP && s->v[5].skip == 3);

    assert_null(hexp("aabb{5-10}ccdd*eeff{-3}1122{4-}3344{200}5566", &a, &h));
    assert_int_equal(h.nparts, 6);
    assert_true(h.gaps[0].min == 5 && h.gaps[0].max == 10 && !h.gaps[0].unbounded);
    assert_true(h.gaps[1].unbounded);
    assert_true(h.gaps[2].min == 0 && h.gaps[2].max == 3);
    assert_true(h.gaps[3].min == 4 && h.gaps[3].unbounded);
    assert_true(h.gaps[4].min == 200 && h.gaps[4].max == 200);

    assert_null(hexp("(B)aabb!(cc|dd)(1122|3344)(a?|bb|cc(dd|ee))eeff(L)", &a, &h));
    const cv_hx_part *p = &h.parts[0];
    assert_true(p->left.kind == 'B' && !p->left.negated && p->right.kind == 'L');
    assert_true(p->seq.v[2].kind == CV_HX_ALT && p->seq.v[2].negated &&
                p->seq.v[2].alt_kind == CV_ALT_BYTE && p->seq.v[2].nalts == 2);
    assert_true(p->seq.v[3].alt_kind == CV_ALT_FIXED && p->seq.v[3].nalts == 2);
    assert_true(p->seq.v[4].alt_kind == CV_ALT_GENERIC && p->seq.v[4].nalts == 4);
    assert_true(p->seq.v[4].alts[3].n == 2 && p->seq.v[4].alts[3].v[1].value == 0xee);

    assert_null(hexp("aa[2-5]bbccdd[0-1]ee", &a, &h));
    p = &h.parts[0];
    assert_true(p->before.present && p->before.value == 0xaa && p->before.min == 2 &&
                p->before.max == 5);
    assert_true(p->after.present && p->after.value == 0xee && p->after.max == 1);
    assert_int_equal(p->seq.n, 3);

    assert_null(hexp("aabb(W)ccdd", &a, &h));
    assert_true(h.parts[0].seq.v[2].kind == CV_HX_BOUNDARY && h.parts[0].seq.v[2].boundary == 'W');

    /* sigopts make every alternative generic, and generic ones can't be negated */
    cv_error e;
    assert_false(cv_parse_hex("aabb!(cc|dd)", 12, CV_OPT_NOCASE, false, &a, &h, &e));
    assert_non_null(strstr(e.msg, "negation"));
    assert_non_null(hexp("aabb(cc|dd", &a, &h));
    assert_non_null(strstr(hexp("aa?bcc", &a, &h), "2 exact bytes"));
    cv_arena_free(&a);
}

static void test_ndb_fields(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    cv_ndb n;
    cv_error e;
    const char *l = "Win.Test-1:1:EP+10,5:aabbccdd:51:255";
    assert_int_equal(cv_parse_ndb(l, strlen(l), &a, &n, &e), CV_OK);
    assert_true(n.name.len == 10 && !memcmp(n.name.p, "Win.Test-1", 10));
    assert_true(n.target == 1 && n.offset.kind == CV_OFF_EP_PLUS && n.offset.shift == 5);
    assert_true(n.flevel.has_min && n.flevel.min == 51 && n.flevel.has_max && n.flevel.max == 255);
    l = "X:15:*:aabbcc";
    assert_int_equal(cv_parse_ndb(l, strlen(l), &a, &n, &e), CV_SKIP);
    cv_arena_free(&a);
}

static void test_ldb_structure(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    static cv_ldb l;
    cv_error e;
    const char *s =
        "Sig;Engine:81-255,Target:1,FileSize:100-2000,EntryPoint:0-4096,"
        "NumberOfSections:1-8,Container:CL_TYPE_ZIP,Intermediates:CL_TYPE_ZIP>CL_TYPE_ANY;"
        "((0|1)>2,2&2)|3=0;EP+0:aabbcc::iw;414243(B);0(>>4#hle4#>0x10,<600);"
        "0&1/ab+c/gi";
    assert_int_equal(cv_parse_ldb(s, strlen(s), &a, &l, &e), CV_OK);
    assert_true(l.tdb.engine.min == 81 && l.tdb.target == 1 && l.tdb.filesize.max == 2000);
    assert_true(l.tdb.has_container && !strcmp(cv_filetype_names[l.tdb.container], "CL_TYPE_ZIP"));
    assert_int_equal(l.tdb.nintermediates, 2);
    assert_int_equal(l.nsubs, 4);
    assert_true(l.expr->kind == CV_LX_OR && l.expr->nkids == 2);
    const cv_lexpr *and = l.expr->kids[0];
    assert_true(and->kind == CV_LX_AND && and->kids[0]->cmp == CV_LX_GT &&
                                              and->kids[0]->count == 2 &&
                                                  and->kids[0]->has_distinct &&
                                                      and->kids[0]->distinct == 2);
    assert_true(l.expr->kids[1]->kind == CV_LX_SUB && l.expr->kids[1]->cmp == CV_LX_EQ &&
                l.expr->kids[1]->count == 0);
    assert_true(l.subs[0].has_offset && l.subs[0].opts == (CV_OPT_NOCASE | CV_OPT_WIDE));
    assert_true(l.subs[1].kind == CV_SUB_HEX && l.subs[1].hex.parts[0].right.kind == 'B');
    const cv_bytecmp *b = &l.subs[2].bcmp;
    assert_true(l.subs[2].kind == CV_SUB_BYTECMP && b->ref == 0 && b->offset == 4 &&
                b->base == 'h' && b->little_endian && b->exact && b->nbytes == 4 && b->ncmp == 2 &&
                b->cmp[0] == '>' && b->value[0] == 16 && b->value[1] == 600);
    const cv_pcre *r = &l.subs[3].pcre;
    assert_true(l.subs[3].kind == CV_SUB_PCRE && r->pattern.len == 4 &&
                r->flags == (CV_PCRE_GLOBAL | CV_PCRE_CASELESS) && r->trigger_max == 1);
    s = "M;Target:0;0&1;aabbcc;${2-10}7$";
    assert_int_equal(cv_parse_ldb(s, strlen(s), &a, &l, &e), CV_OK);
    assert_true(l.subs[1].kind == CV_SUB_MACRO && l.subs[1].macro_min == 2 &&
                l.subs[1].macro_max == 10 && l.subs[1].macro_group == 7);
    s = "U;Engine:51-255,Target:0,Unknown:1;0;aabbcc";
    assert_int_equal(cv_parse_ldb(s, strlen(s), &a, &l, &e), CV_SKIP);
    s = "U;Target:0;0;aabbcc;ddeeff";
    assert_int_equal(cv_parse_ldb(s, strlen(s), &a, &l, &e), CV_BAD);
    assert_non_null(strstr(e.msg, "subsignatures"));
    cv_arena_free(&a);
}

/* fuzzy_img subsignatures: accepted and refused exactly where clamscan
 * 1.4.6 accepts and refuses them (each line below was loaded by it). */
static void test_ldb_fuzzy_img(void **state)
{
    (void)state;
    static const struct {
        const char *sub;
        cv_status st;
    } cases[] = {
        {"fuzzy_img#af2ad01ed42993c7", CV_OK},        {"fuzzy_img#AF2AD01ED42993C7", CV_OK},
        {"fuzzy_img#af2ad01ed42993c7#0", CV_OK},      {"fuzzy_img#af2ad01ed42993c7#00", CV_OK},
        {"fuzzy_img#af2ad01ed42993c7#+0", CV_OK},     {"fuzzy_img#af2ad01ed42993c7#0#5", CV_OK},
        {"fuzzy_img#af2ad01ed42993c7#1", CV_BAD},     {"fuzzy_img#af2ad01ed42993c7#-0", CV_BAD},
        {"fuzzy_img#af2ad01ed42993c7#", CV_BAD},      {"fuzzy_img##", CV_BAD},
        {"fuzzy_img#af2ad01ed42993c", CV_BAD},        {"fuzzy_img#af2ad01ed42993cZ", CV_BAD},
        {"fuzzy_img#af2ad01ed42993c7::i", CV_BAD},    {"0:fuzzy_img#af2ad01ed42993c7", CV_BAD},
        {"fuzzy_img", CV_BAD},
    };
    cv_arena a;
    cv_arena_init(&a);
    static cv_ldb l;
    cv_error e;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[128];
        snprintf(line, sizeof(line), "F;Engine:51-255,Target:0;0;%s", cases[i].sub);
        cv_status st = cv_parse_ldb(line, strlen(line), &a, &l, &e);
        if (st != cases[i].st)
            fail_msg("%s: status %d, expected %d (%s)", cases[i].sub, st, cases[i].st, e.msg);
        if (st == CV_OK)
            assert_true(l.subs[0].kind == CV_SUB_FUZZY_IMG &&
                        l.subs[0].fuzzy_img == UINT64_C(0xaf2ad01ed42993c7));
    }
    cv_arena_free(&a);
}

static void test_hash_ftm_ign_names(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    cv_error e;
    cv_hashsig h;
    const char *l = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:*:Eicar:73";
    assert_int_equal(cv_parse_hash(l, strlen(l), CV_HASH_FILE, &a, &h, &e), CV_OK);
    assert_true(h.algo == CV_SHA256 && h.any_size && h.digest[0] == 0x27 && h.digest[31] == 0x0f);
    l = "3c1a:44d88612fea8a8f36de82e1278abb02f:Imp";
    assert_int_equal(cv_parse_hash(l, strlen(l), CV_HASH_IMPORT, &a, &h, &e), CV_BAD);
    l = "44d88612fea8a8f36de82e1278abb02f:512:Imp";
    assert_int_equal(cv_parse_hash(l, strlen(l), CV_HASH_IMPORT, &a, &h, &e), CV_OK);
    assert_true(h.algo == CV_MD5 && h.size == 512);
    cv_ftm f;
    l = "0:0:4d5a:MZ:CL_TYPE_ANY:CL_TYPE_MSEXE";
    assert_int_equal(cv_parse_ftm(l, strlen(l), &a, &f, &e), CV_OK);
    assert_true(f.magic_len == 2 && f.magic[0] == 0x4d);
    l = "1:*:4d5a??????50:MZ2:CL_TYPE_ANY:CL_TYPE_MSEXE";
    assert_int_equal(cv_parse_ftm(l, strlen(l), &a, &f, &e), CV_OK);
    l = "5:0:4d5a:MZ:CL_TYPE_ANY:CL_TYPE_MSEXE";
    assert_int_equal(cv_parse_ftm(l, strlen(l), &a, &f, &e), CV_SKIP);
    l = "0:0:4d5a:MZ:CL_TYPE_NOPE:CL_TYPE_MSEXE";
    assert_int_equal(cv_parse_ftm(l, strlen(l), &a, &f, &e), CV_BAD);
    cv_ign g;
    l = "daily.ndb:12:Some.Sig";
    assert_int_equal(cv_parse_ign(l, strlen(l), &a, &g, &e), CV_OK);
    assert_true(g.legacy && g.name.len == 8);
    char buf[64];
    assert_true(cv_detection_name("Eicar-Test", 10, false, buf, sizeof(buf)));
    assert_string_equal(buf, "Eicar-Test.UNOFFICIAL");
    assert_true(cv_detection_name("Eicar-Test", 10, true, buf, sizeof(buf)));
    assert_string_equal(buf, "Eicar-Test");
    assert_true(cv_detection_name("Old (Clam)", 10, true, buf, sizeof(buf)));
    assert_string_equal(buf, "Old");
    assert_false(cv_detection_name("Eicar-Test", 10, false, buf, 12));
    cv_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamscan_table), cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_hex_ast),        cmocka_unit_test(test_ndb_fields),
        cmocka_unit_test(test_ldb_structure),  cmocka_unit_test(test_hash_ftm_ign_names),
        cmocka_unit_test(test_ldb_fuzzy_img),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
