#!/usr/bin/env python3
"""Writes order2-text.txt: 24 KB of seeded pseudo-English used by the window tests (no external text)."""
import random
r = random.Random(1234)
words = ("the of and to in a is that for it as was with be by on not he this are or his from at which but "
         "have an they you were her she there been one all we their has would when if so no will more out up "
         "into do about than them some could him what its time only other new these two may then first any "
         "like now my such make over our even most after also made many before must through back years where "
         "much your way well down should because each just those people how too little state good very world "
         "still own see men work long get here between both life being under never day same another know "
         "while last might us great old year off come since against go came right used take three house "
         "small found thought went say part once general high upon school every does got united left number "
         "course war until always away something fact though water less public put think almost hand enough "
         "far took head yet government system better set told nothing night end why called didn't eyes find "
         "going look asked later knew point next program city business give group toward young days let room "
         "president side social given present several order national possible rather second face per among "
         "form important often things looked early white case john become large big need four within felt "
         "along children saw best church ever least power development light thing seemed family interest "
         "want members mind country area others done turned although open god service problem certain kind "
         "different thus began door help means sense whole matter perhaps itself york times law human line "
         "above name example action company hands local show whether five history gave today either act feet "
         "across taken past quite anything seen having death week experience body word half really field am "
         "car words already themselves information tell together college shall money period held keep sure "
         "free seems real behind cannot miss political air question office brought whose special major "
         "problems heard became federal study ago moment available known result street economic boy").split()
out, n = [], 0
while n < 24000:
    k = r.randint(6, 18)
    sent = [r.choice(words[:60]) if r.random() < 0.5 else r.choice(words) for _ in range(k)]
    s = " ".join(sent).capitalize() + r.choice([".", ".", ".", ",", "?", "!", ";"]) + (" " if r.random() < 0.85 else "\n")
    out.append(s); n += len(s)
open("order2-text.txt", "w").write("".join(out)[:24000])
