"""Hostile input never breaks sign-up, login or the profile pages.

The strings are a sample of about a hundred lines, a few from every section, of the Big List
of Naughty Strings (https://github.com/minimaxir/big-list-of-naughty-strings,
Copyright (c) 2015-2020 Max Woolf, MIT License), written with escapes so that invisible
and direction-changing characters stay visible in this file.
"""

# ruff: noqa: E501 - the sample strings are kept whole

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from tests.conftest import PASSWORD

NAUGHTY_STRINGS = (
    # Reserved Strings
    "undefined",
    "(null)",
    "True",
    "hasOwnProperty",
    # Numeric Strings
    "0",
    "-2147483648/-1",
    "0,0/0,0",
    "0xabad1dea",
    # Special Characters
    ",./;'[]\\-=",
    '<>?:"{}|_+',
    "!@#$%^&*()`~",
    # Non-whitespace C0 controls
    "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f",
    # Non-whitespace C1 controls
    "\x80\x81\x82\x83\x84\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f",
    # Whitespace
    "\t\x0b\x0c \x85\xa0\u1680\u2002\u2003\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000",
    # Unicode additional control characters
    "\xad\u0600\u0601\u0602\u0603\u0604\u0605\u061c\u06dd\u070f\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\ufff9\ufffa\ufffb\U000110bd\U0001bca0\U0001bca1\U0001bca2\U0001bca3\U0001d173\U0001d174\U0001d175\U0001d176\U0001d177\U0001d178\U0001d179\U0001d17a\U000e0001\U000e0020\U000e0021\U000e0022\U000e0023\U000e0024\U000e0025\U000e0026\U000e0027\U000e0028\U000e0029\U000e002a\U000e002b\U000e002c\U000e002d\U000e002e\U000e002f\U000e0030\U000e0031\U000e0032\U000e0033\U000e0034\U000e0035\U000e0036\U000e0037\U000e0038\U000e0039\U000e003a\U000e003b\U000e003c\U000e003d\U000e003e\U000e003f\U000e0040\U000e0041\U000e0042\U000e0043\U000e0044\U000e0045\U000e0046\U000e0047\U000e0048\U000e0049\U000e004a\U000e004b\U000e004c\U000e004d\U000e004e\U000e004f\U000e0050\U000e0051\U000e0052\U000e0053\U000e0054\U000e0055\U000e0056\U000e0057\U000e0058\U000e0059\U000e005a\U000e005b\U000e005c\U000e005d\U000e005e\U000e005f\U000e0060\U000e0061\U000e0062\U000e0063\U000e0064\U000e0065\U000e0066\U000e0067\U000e0068\U000e0069\U000e006a\U000e006b\U000e006c\U000e006d\U000e006e\U000e006f\U000e0070\U000e0071\U000e0072\U000e0073\U000e0074\U000e0075\U000e0076\U000e0077\U000e0078\U000e0079\U000e007a\U000e007b\U000e007c\U000e007d\U000e007e\U000e007f",
    # "Byte order marks", U+FEFF and U+FFFE, each on its own line
    "\ufeff",
    "\ufffe",
    # Unicode Symbols
    "\u03a9\u2248\xe7\u221a\u222b\u02dc\xb5\u2264\u2265\xf7",
    "\u0153\u2211\xb4\xae\u2020\xa5\xa8\u02c6\xf8\u03c0\u201c\u2018",
    "\xc5\xcd\xce\xcf\u02dd\xd3\xd4\uf8ff\xd2\xda\xc6\u2603",
    "\u215b\u215c\u215d\u215e",
    # Unicode Subscript/Superscript/Accents
    "\u2070\u2074\u2075",
    "\u2080\u2081\u2082",
    "\u2070\u2074\u2075\u2080\u2081\u2082",
    "\u0e14\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47 \u0e14\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47 \u0e14\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47\u0e47\u0e49\u0e49\u0e49\u0e49\u0e49\u0e47\u0e47\u0e47\u0e47",
    # Quotation Marks
    "'",
    '""',
    "<foo val=\u201cbar\u201d />",
    # Two-Byte Characters
    "\u7530\u4e2d\u3055\u3093\u306b\u3042\u3052\u3066\u4e0b\u3055\u3044",
    "\u90e8\u843d\u683c",
    "\u793e\u6703\u79d1\u5b78\u9662\u8a9e\u5b78\u7814\u7a76\u6240",
    # Strings which contain two-byte letters
    "\U0001041c \U00010414\U00010407\U0001041d\U00010400\U00010421\U00010407\U00010413 \U00010419\U0001040a\U00010421\U0001041d\U00010413/\U0001041d\U00010407\U00010417\U0001040a\U00010424\U00010414 \U00010412\U0001040b\U00010417 \U00010412\U0001040c \U0001041c \U00010421\U00010400\U00010416\U00010407\U00010424\U00010413\U0001041d \U00010431\U00010442 \U00010444 \U00010414\U00010407\U0001041d\U00010400\U00010421\U00010407\U00010413 \U0001040f\U00010406\U00010405\U00010424\U00010406\U0001041a\U0001040a\U00010421\U0001041d\U00010406\U00010413\U00010406",
    # Special Unicode Characters Union
    "\u8868\u30dd\u3042A\u9dd7\u0152\xe9\uff22\u900d\xdc\xdf\xaa\u0105\xf1\u4e02\u3400\U00020000",
    # Changing length when lowercased
    "\u023a",
    "\u023e",
    # Japanese Emoticons
    "\u30fd\u0f3c\u0e88\u0644\u035c\u0e88\u0f3d\uff89 \u30fd\u0f3c\u0e88\u0644\u035c\u0e88\u0f3d\uff89",
    "\u30fb(\uffe3\u2200\uffe3)\u30fb:*:",
    "(\uff89\u0ca5\u76ca\u0ca5\uff09\uff89\ufeff \u253b\u2501\u253b",
    # Emoji
    "\U0001f60d",
    "\U0001f47e \U0001f647 \U0001f481 \U0001f645 \U0001f646 \U0001f64b \U0001f64e \U0001f64d",
    "\u270b\U0001f3ff \U0001f4aa\U0001f3ff \U0001f450\U0001f3ff \U0001f64c\U0001f3ff \U0001f44f\U0001f3ff \U0001f64f\U0001f3ff",
    # Regional Indicator Symbols
    "\U0001f1fa\U0001f1f8\U0001f1f7\U0001f1fa\U0001f1f8 \U0001f1e6\U0001f1eb\U0001f1e6\U0001f1f2\U0001f1f8",
    "\U0001f1fa\U0001f1f8\U0001f1f7\U0001f1fa\U0001f1f8\U0001f1e6\U0001f1eb\U0001f1e6\U0001f1f2",
    "\U0001f1fa\U0001f1f8\U0001f1f7\U0001f1fa\U0001f1f8\U0001f1e6",
    # Unicode Numbers
    "\uff11\uff12\uff13",
    "\u0661\u0662\u0663",
    # Right-To-Left Strings
    "\u062b\u0645 \u0646\u0641\u0633 \u0633\u0642\u0637\u062a \u0648\u0628\u0627\u0644\u062a\u062d\u062f\u064a\u062f\u060c, \u062c\u0632\u064a\u0631\u062a\u064a \u0628\u0627\u0633\u062a\u062e\u062f\u0627\u0645 \u0623\u0646 \u062f\u0646\u0648. \u0625\u0630 \u0647\u0646\u0627\u061f \u0627\u0644\u0633\u062a\u0627\u0631 \u0648\u062a\u0646\u0635\u064a\u0628 \u0643\u0627\u0646. \u0623\u0647\u0651\u0644 \u0627\u064a\u0637\u0627\u0644\u064a\u0627\u060c \u0628\u0631\u064a\u0637\u0627\u0646\u064a\u0627-\u0641\u0631\u0646\u0633\u0627 \u0642\u062f \u0623\u062e\u0630. \u0633\u0644\u064a\u0645\u0627\u0646\u060c \u0625\u062a\u0641\u0627\u0642\u064a\u0629 \u0628\u064a\u0646 \u0645\u0627, \u064a\u0630\u0643\u0631 \u0627\u0644\u062d\u062f\u0648\u062f \u0623\u064a \u0628\u0639\u062f, \u0645\u0639\u0627\u0645\u0644\u0629 \u0628\u0648\u0644\u0646\u062f\u0627\u060c \u0627\u0644\u0625\u0637\u0644\u0627\u0642 \u0639\u0644 \u0625\u064a\u0648.",
    "\u05d4\u05b8\u05d9\u05b0\u05ea\u05b8\u05d4test\u0627\u0644\u0635\u0641\u062d\u0627\u062a \u0627\u0644\u062a\u0651\u062d\u0648\u0644",
    "\ufdfa",
    # Ogham Text
    "\u169b\u1684\u1693\u1690\u168b\u1692\u1684\u1680\u1691\u1684\u1682\u1691\u168f\u1685\u169c",
    "\u169b\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u1680\u169c",
    # Trick Unicode
    "\u202a\u202atest\u202a",
    "\u202btest\u202b",
    "test\u2060test\u202b",
    # Zalgo Text
    "\u1e70\u033a\u033a\u0315o\u035e \u0337i\u0332\u032c\u0347\u032a\u0359n\u031d\u0317\u0355v\u031f\u031c\u0318\u0326\u035fo\u0336\u0319\u0330\u0320k\xe8\u035a\u032e\u033a\u032a\u0339\u0331\u0324 \u0316t\u031d\u0355\u0333\u0323\u033b\u032a\u035eh\u033c\u0353\u0332\u0326\u0333\u0318\u0332e\u0347\u0323\u0330\u0326\u032c\u034e \u0322\u033c\u033b\u0331\u0318h\u035a\u034e\u0359\u031c\u0323\u0332\u0345i\u0326\u0332\u0323\u0330\u0324v\u033b\u034de\u033a\u032d\u0333\u032a\u0330-m\u0322i\u0345n\u0316\u033a\u031e\u0332\u032f\u0330d\u0335\u033c\u031f\u0359\u0329\u033c\u0318\u0333 \u031e\u0325\u0331\u0333\u032dr\u031b\u0317\u0318e\u0359p\u0360r\u033c\u031e\u033b\u032d\u0317e\u033a\u0320\u0323\u035fs\u0318\u0347\u0333\u034d\u031d\u0349e\u0349\u0325\u032f\u031e\u0332\u035a\u032c\u035c\u01f9\u032c\u034e\u034e\u031f\u0316\u0347\u0324t\u034d\u032c\u0324\u0353\u033c\u032d\u0358\u0345i\u032a\u0331n\u0360g\u0334\u0349 \u034f\u0349\u0345c\u032c\u031fh\u0361a\u032b\u033b\u032f\u0358o\u032b\u031f\u0316\u034d\u0319\u031d\u0349s\u0317\u0326\u0332.\u0328\u0339\u0348\u0323",
    "\u0321\u0353\u031e\u0345I\u0317\u0318\u0326\u035dn\u0347\u0347\u0359v\u032e\u032bok\u0332\u032b\u0319\u0348i\u0316\u0359\u032d\u0339\u0320\u031en\u0321\u033b\u032e\u0323\u033ag\u0332\u0348\u0359\u032d\u0359\u032c\u034e \u0330t\u0354\u0326h\u031e\u0332e\u0322\u0324 \u034d\u032c\u0332\u0356f\u0334\u0318\u0355\u0323\xe8\u0356\u1eb9\u0325\u0329l\u0356\u0354\u035ai\u0353\u035a\u0326\u0360n\u0356\u034d\u0317\u0353\u0333\u032eg\u034d \u0328o\u035a\u032a\u0361f\u0318\u0323\u032c \u0316\u0318\u0356\u031f\u0359\u032ec\u0489\u0354\u032b\u0356\u0353\u0347\u0356\u0345h\u0335\u0324\u0323\u035a\u0354\xe1\u0317\u033c\u0355\u0345o\u033c\u0323\u0325s\u0331\u0348\u033a\u0316\u0326\u033b\u0362.\u031b\u0316\u031e\u0320\u032b\u0330",
    "\u0326H\u032c\u0324\u0317\u0324\u035de\u035c \u031c\u0325\u031d\u033b\u034d\u031f\u0301w\u0315h\u0316\u032f\u0353o\u031d\u0359\u0316\u034e\u0331\u032e \u0489\u033a\u0319\u031e\u031f\u0348W\u0337\u033c\u032da\u033a\u032a\u034d\u012f\u0348\u0355\u032d\u0359\u032f\u031ct\u0336\u033c\u032es\u0318\u0359\u0356\u0315 \u0320\u032b\u0320B\u033b\u034d\u0359\u0349\u0333\u0345e\u0335h\u0335\u032c\u0347\u032b\u0359i\u0339\u0353\u0333\u0333\u032e\u034e\u032b\u0315n\u035fd\u0334\u032a\u031c\u0316 \u0330\u0349\u0329\u0347\u0359\u0332\u035e\u0345T\u0356\u033c\u0353\u032a\u0362h\u034f\u0353\u032e\u033be\u032c\u031d\u031f\u0345 \u0324\u0339\u031dW\u0359\u031e\u031d\u0354\u0347\u035d\u0345a\u034f\u0353\u0354\u0339\u033c\u0323l\u0334\u0354\u0330\u0324\u031f\u0354\u1e3d\u032b.\u0355",
    # Unicode Upsidedown
    "\u02d9\u0250nb\u1d09l\u0250 \u0250u\u0183\u0250\u026f \u01dd\u0279olop \u0287\u01dd \u01dd\u0279oq\u0250l \u0287n \u0287unp\u1d09p\u1d09\u0254u\u1d09 \u0279od\u026f\u01dd\u0287 po\u026fsn\u1d09\u01dd op p\u01dds '\u0287\u1d09l\u01dd \u0183u\u1d09\u0254s\u1d09d\u1d09p\u0250 \u0279n\u0287\u01dd\u0287\u0254\u01ddsuo\u0254 '\u0287\u01dd\u026f\u0250 \u0287\u1d09s \u0279olop \u026fnsd\u1d09 \u026f\u01dd\u0279o\u02e5",
    "00\u02d9\u0196$-",
    # Unicode font
    "\uff34\uff48\uff45 \uff51\uff55\uff49\uff43\uff4b \uff42\uff52\uff4f\uff57\uff4e \uff46\uff4f\uff58 \uff4a\uff55\uff4d\uff50\uff53 \uff4f\uff56\uff45\uff52 \uff54\uff48\uff45 \uff4c\uff41\uff5a\uff59 \uff44\uff4f\uff47",
    "\U0001d57f\U0001d58d\U0001d58a \U0001d596\U0001d59a\U0001d58e\U0001d588\U0001d590 \U0001d587\U0001d597\U0001d594\U0001d59c\U0001d593 \U0001d58b\U0001d594\U0001d59d \U0001d58f\U0001d59a\U0001d592\U0001d595\U0001d598 \U0001d594\U0001d59b\U0001d58a\U0001d597 \U0001d599\U0001d58d\U0001d58a \U0001d591\U0001d586\U0001d59f\U0001d59e \U0001d589\U0001d594\U0001d58c",
    "\U0001d54b\U0001d559\U0001d556 \U0001d562\U0001d566\U0001d55a\U0001d554\U0001d55c \U0001d553\U0001d563\U0001d560\U0001d568\U0001d55f \U0001d557\U0001d560\U0001d569 \U0001d55b\U0001d566\U0001d55e\U0001d561\U0001d564 \U0001d560\U0001d567\U0001d556\U0001d563 \U0001d565\U0001d559\U0001d556 \U0001d55d\U0001d552\U0001d56b\U0001d56a \U0001d555\U0001d560\U0001d558",
    # Script Injection
    "<script>alert(0)</script>",
    '<a href="\\x20javascript:javascript:alert(78)" id="fuzzelement1">test</a>',
    "\"`'><script>\\xE2\\x80\\x80javascript:alert(157)</script>",
    # SQL Injection
    "1;DROP TABLE users",
    "' OR 1=1 -- 1",
    "'; EXEC sp_MSForEachTable 'DROP TABLE ?'; --",
    # Server Code Injection
    "-",
    "--help",
    "`touch /tmp/blns.fail`",
    # Command Injection
    "eval(\"puts 'hello world'\")",
    "`ls -al /`",
    "Kernel.exit(1)",
    # XXE Injection
    '<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE foo [ <!ELEMENT foo ANY ><!ENTITY xxe SYSTEM "file:///etc/passwd" >]><foo>&xxe;</foo>',
    # Unwanted Interpolation
    "$HOME",
    "%s%s%s%s%s",
    "%@",
    # File Inclusion
    "../../../../../../../../../../../etc/passwd%00",
    "../../../../../../../../../../../etc/hosts",
    # Known CVEs and Vulnerabilities
    "() { 0; }; touch /tmp/blns.shellshock1.fail;",
    "() { _; } >_[$($())] { touch /tmp/blns.shellshock2.fail; }",
    "<<< %s(un='%s') = %u",
    # MSDOS/Windows Special Filenames
    "CON",
    "NUL",
    "LPT2",
    # IRC specific strings
    "DCC SEND STARTKEYLOGGER 0 0 0",
    # Scunthorpe Problem
    "Scunthorpe General Hospital",
    "http://www.cum.qc.ca/",
    "evaluate",
    # Human injection
    "If you're reading this, you've been in a coma for almost 20 years now. We're trying a new technique. We don't know where this message will end up in your dream, but we hope it works. Please wake up, we miss you.",
    # Terminal escape codes
    "Roses are \x1b[0;31mred\x1b[0m, violets are \x1b[0;34mblue. Hope you enjoy terminal hue",
    "But now...\x1b[20Cfor my greatest trick...\x1b[8m",
    "The quic\x08\x08\x08\x08\x08\x08k brown fo\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07x... [Beeeep]",
    # iOS Vulnerabilities
    "Power\u0644\u064f\u0644\u064f\u0635\u0651\u0628\u064f\u0644\u064f\u0644\u0635\u0651\u0628\u064f\u0631\u0631\u064b \u0963 \u0963h \u0963 \u0963\u5197",
    "\U0001f3f30\U0001f308\ufe0f",
    "\u0c1c\u0c4d\u0c1e\u200c\u0c3e",
    # Persian special characters
    "\u06af\u0686\u067e\u0698",
    # jinja2 injection
    "{% print 'x' * 64 * 1024**3 %}",
    '{{ "".__class__.__mro__[2].__subclasses__()[40]("/etc/passwd").read() }}',
)


@pytest.mark.parametrize("text", NAUGHTY_STRINGS)
def test_sign_up_with_a_hostile_username_never_breaks(client: Client, db: None, text: str) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": text,
            "email": "dora@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        # Made when the e-mailed link is followed.
        link = re.search(r"http://testserver(/accounts/signup/confirm/\S+/)", mail.outbox[0].body)
        assert link
        assert client.get(link.group(1)).status_code == 200
        assert client.post(link.group(1)).status_code == 302
        user = User.objects.get()
        assert client.get(user.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    else:
        assert not User.objects.exists()
        assert response.context["form"].errors


@pytest.mark.parametrize("text", NAUGHTY_STRINGS)
def test_login_with_a_hostile_username_never_breaks(client: Client, alice: User, text: str) -> None:
    response = client.post("/accounts/login/", {"username": text, "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("text", NAUGHTY_STRINGS)
def test_a_hostile_profile_never_breaks_the_pages_that_show_it(
    alice_client: Client, alice: User, text: str
) -> None:
    response = alice_client.post(
        "/accounts/profile/",
        {"display_name": text, "affiliation": text, "bio": text, "email": "alice@example.org"},
    )

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
    profile = alice_client.get("/u/alice/")
    assert profile.status_code == 200
    alice.refresh_from_db()
    assert f'<h1 dir="auto">{escape(alice.name)}</h1>' in profile.content.decode()
    assert alice_client.get("/").status_code == 200


@pytest.mark.parametrize("text", NAUGHTY_STRINGS)
def test_a_hostile_profile_address_never_breaks(client: Client, db: None, text: str) -> None:
    assert client.get(f"/u/{text}/").status_code in (200, 301, 404)
