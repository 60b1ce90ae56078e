"""Finding recipients and server replies in a bounce notice written for humans.

MTAs explain a failure in prose: Postfix puts ``<addr>: host … said: 550 …``, Exim indents the
address and the SMTP error under it, qmail writes ``<addr>:`` and ``Remote host said:``, Sendmail
lists the addresses and then a transcript (``>>> RCPT To:<addr>`` / ``<<< 550 …``), and many others
have their own layout. Rather than one parser per MTA, this module cuts the notice into blocks that
start where a recipient address appears and keeps each block's text as the evidence for that
address.

An address counts as a recipient when it stands at the start of a line (``<addr>:``, ``  addr``,
``>>> addr``) or right after a word that introduces one (``RCPT TO:``, ``recipient:``,
``delivered to``); addresses elsewhere in prose ("please contact <postmaster@…>") only start a
block when the notice has no recipient line at all.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence
from ..prefilter import fold, may_match, requirements, satisfied
from .common import ADDRESS_RE, clean_address, find_codes, has_code, squash, tidy_reply
from .formats import Formats, notice_formats

# Where the returned original message (or its headers) begins: nothing after it is evidence.
ORIGINAL_START_RE = re.compile(
    r"^(?:[\s>|]{0,8}-{2,60}[^\n]{0,40}(?:original|returned|copy of|below this line|rfc ?822|headers? of|undelivered message|message headers?|message follows|message text|unsent message)"
    r"|[\s>]{0,4}(?:received|return-path|dkim-signature|message-id|x-mailer|mime-version): "
    r"|content-type: (?:message/rfc822|text/rfc822-headers)"
    r"|[\s]{0,4}(?:original message|the original message|your message|message was|original mail) "
    r"(?:(?:headers|details|follows|as follows)[^\n]{0,40}:?|(?:was|reads)(?: in part| as follows)?[ \t]{0,3}:) *$)",
    re.IGNORECASE | re.MULTILINE,
)
# Lines that never carry evidence about a recipient (also as items of a list: "* To: …").
BOILERPLATE_RE = re.compile(
    r"^\s*(?:[*\u2022-][ \t]{1,3})?(?:to:|from:|subject:|date:|cc:|reply-to:|sender:|message-id:|in-reply-to:|references:|mail from:)", re.IGNORECASE
)
# "----- Transcript of session follows -----", "=====", "*****": layout, not evidence. The runs of
# marks are possessive: a long line of them followed by other text would otherwise be tried at every
# split of the run, in time that grows with the square of its length.
DIVIDER_RE = re.compile(r"^[ \t]{0,20}(?:[-=*_#~+]{3,}+[^\n]{0,100}[-=*_#~+]{3,}+[ \t]{0,20}|[-=*_#~+ \t]{3,}+)$")
_DIVIDER_CHARS = frozenset("-=*_#~+")


def may_be_divider(line: str) -> bool:
    """False for a line DIVIDER_RE cannot match, cheaply: one whose first character after spaces and
    tabs is no divider character, or that is shorter than three (tests/test_speed_paths.py)."""
    rest = line.lstrip(" \t")
    return rest[0] in _DIVIDER_CHARS if rest else len(line) >= 3


# words that introduce a recipient address on the same line
RECIPIENT_CUE_RE = re.compile(
    r"(?:(?<![\w-])(?:recipients?|address(?:e|ee)?|adresse|to|rcpt|user|mailbox|account|destinataire|destinatario|"
    r"empf\u00e4nger|empfaenger|delivered to|deliver to|delivery to|forward(?:ed)? to|"
    r"\u5b9b\u5148|\u9001\u4fe1\u5148)"
    r"|recipient:\s{0,3}rfc-?822\s{0,3};)"  # a DSN field copied into the text: "Final-Recipient: rfc822; bob@…"
    r"\s{0,3}(?:\([^()\n]{0,30}\))?\s{0,3}[:=]?\s{0,3}[<\"'(\[]{0,2}$",
    re.IGNORECASE,
)
# what may stand before an address at the start of a line: space, quotes, list markers, '>>>'
LINE_LEAD_CHARS = " \t<>\"'*-\u2022#.)([0123456789:"
SEPARATOR_CHARS = " \t<>\"',;:()[]"
MAX_BLOCK_LINES = 24
MAX_DIAGNOSTIC = 2000
MAX_LINE = 2000
REPLY_LINE_RE = re.compile(r"^[ \t>]{0,8}(?:<<< ?)?([245][0-5]\d)(?:[ -]|$)")
# where a notice hands over to the remote server's words
SAID_RE = re.compile(r"(?:(?:\bsaid|SMTP error from remote (?:mail server|mailer) after [^\n]{0,300}?(?=:[ \t\n])|server returned(?: was)?|returned was|response was|error was|reply was|"
                     r"response from the remote server was|"
                     r"responded with(?: failure)?|the error that the other server returned was)[ \t]{0,3}:[ \t\n]{0,3}"
                     # Exchange: "Remote Server returned '550 5.1.1 …'", the reply in quotes and no colon
                     r"|\bserver returned[ \t]{1,3}(?=['\"\u2018\u201c][245]\d\d))",
                     re.IGNORECASE)
# a notice written for people that quotes the receiving server's reply on a line of its own, after
# a label: Exchange Online's "Error: 550 5.4.1 …" under "Error Details", Exchange's "Remote Server
# returned '…'", Gmail's "The response from the remote server was:" or "The response was:" (the
# reply then on the next line)
QUOTED_REPLY_RE = re.compile(
    r"^[ \t>]{0,8}(?:error|remote server returned|the response (?:from the remote server )?was|"
    r"the error that the other server returned was)[ \t]{0,20}:?[ \t]{0,20}(?:\n[ \t]{0,8})?"
    r"['\"\u2018\u201c]?([245]\d\d[ -][^\n]{4,})$", re.IGNORECASE | re.MULTILINE)
# the first header line of a returned message
HEADER_LINE_RE = re.compile(r"^[ \t>]{0,4}(?:received|return-path|dkim-signature|message-id|x-mailer|mime-version|"
                            r"content-type): ", re.IGNORECASE | re.MULTILINE)
_QUOTES = "'\"\u2018\u2019\u201c\u201d"
LEADING_HOST_RE = re.compile(r"\s{0,3}host\s{1,3}[A-Za-z0-9.-]{1,255}\s{0,3}(?:\[[0-9A-Fa-f.:]{2,45}\])?:?\s{1,3}",
                             re.IGNORECASE)
LEADING_DATE_RE = re.compile(r"^on (?:[A-Za-z]{3}, )?\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d{2}(?::\d{2})?(?: [+-]\d{4})?"
                             r"(?: \([A-Za-z]{2,5}\))? ")
# qmail-send's own sentence when it gives up (netqmail-1.06 qmail-send.c:922): it appends it to the
# last deferral's report, after the remote server's words, which it does not belong to
QMAIL_GIVE_UP_RE = re.compile(r"\s*I'm not going to try again; this message has been in the queue too long\.?", re.IGNORECASE)
REMOTE_HOST_RE = re.compile(r"\b(?:host|server|mx)\s{1,3}([A-Za-z0-9][A-Za-z0-9.-]{0,252}\.[A-Za-z]{2,63})\b",
                            re.IGNORECASE)


# the SMTP commands a notice or a transcript names, and how a transcript marks what was sent and
# what the server answered (Sendmail's ">>> DATA" / "<<< 550 …", Postfix's "In: DATA" / "Out: 550 …")
_COMMANDS = r"(RCPT TO|MAIL FROM|DATA|RCPT|MAIL|EHLO|HELO|STARTTLS|BDAT|QUIT)"
_SENT = r"(?:>>> ?|in: {1,4})"
_ANSWER = r"(?:<<< ?|out: {1,4})"
COMMAND_IN_RE = re.compile(r"\b(?:in reply to|after|while|during)\s{1,3}(?:the\s)?(?:end of\s)?(?:sending\s)?"
                           r"(RCPT TO|MAIL FROM|DATA|RCPT|MAIL|EHLO|HELO|STARTTLS|AUTH|CONNECT|BDAT|QUIT|end of data|"
                           r"initial connection)", re.IGNORECASE)


# "Error code: 550", "ERROR_CODE :421", "SMTP code = 554": a reply code the notice labels as such
LABELLED_REPLY_RE = re.compile(r"\b(?:error[_ ]code|smtp[_ ](?:reply[_ ])?code|reply[_ ]code)\s{0,3}[:=]\s{0,3}([245][0-5]\d)\b",
                               re.IGNORECASE)
# "SMTP command: DATA", "-----SMTP command\nDATA": a notice that labels the command it failed on
COMMAND_LABEL_RE = re.compile(r"\bsmtp command[\s:=-]{0,30}" + _COMMANDS + r"\b", re.IGNORECASE)
# a transcript line: ">>> DATA" (what we sent) or "<<< 550 …" (a failing answer)
_SENT_NEEDS = requirements(_SENT)
TRANSCRIPT_LINE_RE = re.compile(r"^[ \t]{0,8}(?:" + _SENT + _COMMANDS + r"\b|" + _ANSWER + r"([45])\d\d)",
                                re.IGNORECASE | re.MULTILINE)
# the notice names what the server disliked: qmail's "192.0.2.1 does not like recipient." and
# "Connected to 192.0.2.1 but sender was rejected.", DragonFly's "did not like our RCPT TO:" (and
# "did not like our connect:" for a refused greeting)
DISLIKED_RE = re.compile(r"\b(?:does not|did not|doesn't|didn't) like (?:our )?(recipient|sender|RCPT TO|MAIL FROM|"
                         r"(?:final )?DATA|HELO|EHLO|connect)\b|\bbut (sender|my name) was rejected\b|\bbut (greeting) failed\b",
                         re.IGNORECASE)
_COMMAND_NAMES = {"RCPT TO": "RCPT", "MAIL FROM": "MAIL", "END OF DATA": "DATA", "CONNECT": "CONN",
                  "INITIAL CONNECTION": "CONN", "RECIPIENT": "RCPT", "SENDER": "MAIL", "FINAL DATA": "DATA",
                  "MY NAME": "HELO", "GREETING": "CONN"}


def _command_name(word: str) -> str:
    word = word.upper()
    return _COMMAND_NAMES.get(word, word)


def find_command(text: str) -> str:
    """The SMTP command the failing reply answered, or ''.

    In order: the notice says so ("in reply to RCPT TO command", "after end of data"), or says
    what the server disliked ("does not like recipient", "but sender was rejected"); a session
    transcript shows it (the last ``>>>`` command before the first ``<<< 4xx/5xx`` reply); the
    notice labels it ("SMTP command: DATA").
    """
    text = text[: MAX_DIAGNOSTIC * 4]
    if not text:
        return ""
    folded = fold(text)  # each pattern is searched only when the text holds what it needs (may_match)
    m = COMMAND_IN_RE.search(text) if may_match(COMMAND_IN_RE, folded) else None
    if m:
        return _command_name(m.group(1))
    m = DISLIKED_RE.search(text) if may_match(DISLIKED_RE, folded) else None
    if m:
        return _command_name(next(g for g in m.groups() if g))
    last = ""
    if satisfied(_SENT_NEEDS, folded):  # no line of what was sent ('>>>', 'In:'): no command from a transcript
        for t in TRANSCRIPT_LINE_RE.finditer(text):
            if t.group(1):
                last = t.group(1)
            elif last:
                return _command_name(last)
    m = COMMAND_LABEL_RE.search(text) if may_match(COMMAND_LABEL_RE, folded) else None
    return _command_name(m.group(1)) if m else ""


def command_in(lines: list[str]) -> str:
    """The SMTP command a block says the reply answered ("after RCPT TO", "in reply to DATA")."""
    return find_command("\n".join(lines))


# a notice that warns of a delay while the sender keeps trying (not a final failure)
DELAY_RE = re.compile(
    r"(?:only a temporary failure|will (?:continue to )?(?:be )?retr(?:y|ied)|will keep trying|still trying|"
    r"delivery (?:has been|is|was) delayed|has not yet been delivered|not been delivered yet|"
    r"(?:delivery|message) (?:is )?delayed|warning: (?:message|could not send)|"
    r"no action is required on your part|(?:delivery )?attempts will continue|"
    r"will continue (?:to (?:try|attempt)|trying|attempting)|(?:delivery|message) [^\n]{0,80}has been postponed)",
    re.IGNORECASE,
)


def is_delay_warning(notice: str) -> bool:
    """Whether a human-readable notice says the sender is still trying (a delay warning)."""
    return DELAY_RE.search(notice[: MAX_DIAGNOSTIC * 2]) is not None


def notice_part(text: str) -> str:
    """The notice up to where the returned original message starts: a generic start line, or the
    line a catalogued program writes before it (:mod:`bouncecodes.parse.formats`)."""
    m = ORIGINAL_START_RE.search(text)
    end = m.start() if m else -1
    known = notice_formats().original_start(text[:end] if end > 0 else text)
    if known > 0:
        end = known
    if end > 0:
        return text[:end]
    return text


# a server reply with words after it: "550 5.7.1 Your message …", "550 Sorry, …"
REPLY_WORDS_RE = re.compile(r"\b[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?[A-Za-z]{2,}[^\n]{20,}")


def _line_addresses(line: str) -> list[tuple[str, bool]]:
    """The addresses of one line, each with whether it stands where a recipient does."""
    found: list[tuple[str, bool]] = []
    for m in ADDRESS_RE.finditer(line[:MAX_LINE]):
        addr = clean_address(m.group(1))
        if not addr:
            continue
        prefix = line[: m.start()]
        # a cue ("to bob@…") in the words of a server reply written before it is the server's prose
        # ("… send a message to postmaster@… to be unblocked"), not a notice naming its recipient
        strong = not prefix.strip(LINE_LEAD_CHARS) or (
            RECIPIENT_CUE_RE.search(prefix[-60:]) is not None and REPLY_WORDS_RE.search(prefix) is None)
        found.append((addr, strong))
    return found


def _is_address_list(line: str) -> bool:
    """Whether a line holds nothing but addresses (and separators)."""
    rest = ADDRESS_RE.sub(" ", line[:MAX_LINE])
    return not rest.strip(SEPARATOR_CHARS)


class Blocks:
    """A notice cut into recipient blocks, once: each address's lines in order of first mention,
    where its block starts, and each recipient's view of the notice.

    Every per-recipient answer costs about the size of that recipient's block, not of the whole
    notice, so a notice listing thousands of recipients stays linear."""

    def __init__(self, notice: str, exclude: set[str]) -> None:
        self.body = notice
        self.lines = lines = notice.split("\n")
        #: address -> the lines of its block (a blank line kept as "", lines cut at MAX_LINE)
        self.blocks: dict[str, list[str]] = {}
        #: address -> the index in ``lines`` of its block's first line
        self.first: dict[str, int] = {}
        owned: dict[str, list[int]] = {}  # lower-case address -> indices of its block's lines
        # each line tested once; boilerplate ends with ':' (tests/test_speed_paths.py): a line without is not
        boilerplate = [":" in line and BOILERPLATE_RE.match(line) is not None for line in lines]
        per_line = [
            [(a, s) for a, s in _line_addresses(line) if a.lower() not in exclude]
            if "@" in line and not boiler else []
            for line, boiler in zip(lines, boilerplate, strict=True)
        ]
        formats = notice_formats()
        if formats.recipient_res and "@" in notice:
            # a recipient named the way a catalogued program names one: its part of the notice starts
            # where the program's template does (Exim's "pipe to |<command>" above "generated by <address>")
            for index, address in formats.recipients(notice):
                clean = clean_address(address)
                if clean and clean.lower() not in exclude and index < len(per_line):
                    per_line[index] = [(clean, True), *[x for x in per_line[index] if x[0] != clean]]
        # once an address is known as a recipient, any later mention of it starts its block again
        known = {a for found in per_line for a, s in found if s}
        blocks = self.blocks
        current: str | None = None
        taken = 0
        blank_run = 0

        def take(who: str, i: int, text: str) -> None:
            self.first.setdefault(who, i)
            blocks[who].append(text)
            if text:
                owned.setdefault(who.lower(), []).append(i)

        for i, (line, found) in enumerate(zip(lines, per_line, strict=True)):
            if boilerplate[i]:
                if current is not None and current.lower() in line[:MAX_LINE].lower():
                    # "From: <sender> RCPT: <rcpt> …" about the block's own recipient: part of it
                    take(current, i, line[:MAX_LINE])
                else:
                    current = None
                continue
            if may_be_divider(line) and DIVIDER_RE.match(line):
                continue
            starts = [a for a, _ in found if a in known or not known]
            if starts:
                if len(starts) > 1 and not _is_address_list(line):
                    starts = starts[:1]
                current = starts[0]
                for a in starts:
                    blocks.setdefault(a, [])
                take(current, i, line[:MAX_LINE])
                taken = 1
                blank_run = 0
                continue
            if current is None:
                continue
            if not line.strip():
                blank_run += 1
                if blank_run >= 2:
                    current = None
                else:
                    take(current, i, "")
                continue
            blank_run = 0
            taken += 1
            if taken > MAX_BLOCK_LINES:
                current = None
                continue
            take(current, i, line[:MAX_LINE])
        self._owned = owned
        self._share_list_reasons(per_line)
        if formats.list_re is not None or formats.reasons_above_re is not None:
            self._regroup(formats, exclude)
        self._by_lower: dict[str, str] = {}
        for a in blocks:
            self._by_lower.setdefault(a.lower(), a)
        self._common: list[tuple[int, str]] | None = None
        self._common_only: str | None = None
        self._owned_any: set[int] | None = None
        #: whether the notice writes out SMTP sessions ("… while talking to mx.example.org:")
        self.has_sessions = "while talking to" in notice.lower()

    def _share_list_reasons(self, per_line: list[list[tuple[str, bool]]]) -> None:
        """A list of recipients, one a line, followed by one reason written under the last of them
        ("Delivery to the following recipients failed:", the addresses, then why): the reason is
        every listed recipient's that has no words of its own."""
        run: list[tuple[str, int]] = []
        for i, found in enumerate(per_line):
            if len(found) == 1 and found[0][0] in self.blocks and _is_address_list(self.lines[i]):
                run.append((found[0][0], i))
                continue
            if len(run) >= 2:
                self._share(run)
            run = []
        if len(run) >= 2:
            self._share(run)

    def _share(self, run: list[tuple[str, int]]) -> None:
        last, end = run[-1]
        follow: list[int] = []
        previous = end
        for i in self._owned.get(last.lower(), []):  # the lines under the last address, in order
            if i <= end:
                continue
            if i - previous > 2:  # a gap of more than one blank line: its block was started again later
                break
            follow.append(i)
            previous = i
        if not follow:
            return
        for address, _ in run[:-1]:
            mine = self.blocks[address]
            if any(strip_address(x, address) for x in mine):
                continue  # it has words of its own
            mine.extend(self.lines[i][:MAX_LINE] for i in follow)
            key = address.lower()
            self._owned[key] = sorted({*self._owned.get(key, []), *follow})

    def _own(self, address: str, indices: list[int]) -> None:
        """Give ``address`` the lines at ``indices`` as its whole block (a layout the registry describes)."""
        self.blocks[address] = [self.lines[i][:MAX_LINE] for i in indices]
        self.first[address] = indices[0]
        self._owned[address.lower()] = [i for i in indices if self.lines[i].strip()]

    def _listed(self, index: int, exclude: set[str]) -> list[str]:
        """The addresses of line ``index`` when it holds nothing else (an item of a list of recipients)."""
        line = self.lines[index]
        if "@" not in line or not _is_address_list(line):
            return []
        return [a for a, _ in _line_addresses(line) if a.lower() not in exclude]

    def _regroup(self, formats: Formats, exclude: set[str]) -> None:
        """Recipients' blocks as a catalogued layout has them, where the notice follows one: a list of
        recipients under one reason (Domino's "was not delivered to:" … "because:" …), or a section
        in which each reason stands above its address (the Lotus SMTP MTA's "Failure Reasons")."""
        body, lines = self.body, self.lines
        if formats.list_re is not None and formats.because_re is not None:
            for lead in formats.list_re.finditer(body):
                i = body.count("\n", 0, lead.start()) + 1
                listed: list[tuple[str, int]] = []
                while i < len(lines) and len(listed) < 10_000:
                    found = self._listed(i, exclude)
                    if found:
                        listed += [(a, i) for a in found]
                    elif lines[i].strip():
                        break
                    i += 1
                because = formats.because_re.match(lines[i]) if listed and i < len(lines) else None
                if because is None:
                    continue
                reason: list[int] = []
                for j in range(i + 1, min(len(lines), i + 1 + MAX_BLOCK_LINES)):
                    if not lines[j].strip():
                        if reason:
                            break
                        continue
                    reason.append(j)
                for address, at in listed:
                    self._own(address, [at, *reason])
        if formats.reasons_above_re is not None:
            heading = formats.reasons_above_re.search(body)
            if heading is not None:
                above: list[int] = []
                for i in range(body.count("\n", 0, heading.start()) + 1, len(lines)):
                    if DIVIDER_RE.match(lines[i]):
                        break
                    found = self._listed(i, exclude)
                    if found:
                        for address in found:
                            self._own(address, [i, *above])
                        above = []
                    elif lines[i].strip():
                        above = [*above, i][-MAX_BLOCK_LINES:]

    def owns(self, index: int) -> bool:
        """Whether the line at ``index`` belongs to some recipient's block."""
        if self._owned_any is None:
            self._owned_any = {i for indices in self._owned.values() for i in indices}
        return index in self._owned_any

    def lines_of(self, address: str) -> list[str]:
        """The lines of ``address``'s block, whatever the case of its spelling; [] when it has none."""
        found = self._by_lower.get(address.lower())
        return self.blocks[found] if found is not None else []

    def notice_for(self, address: str) -> str:
        """The notice as one recipient's evidence, squashed and cut at MAX_DIAGNOSTIC: without the
        lines of the other recipients' blocks, so that one recipient's failure is not read into
        another's."""
        if len(self.blocks) <= 1:
            return squash(self.body)[:MAX_DIAGNOSTIC]
        if self._common is None:  # the lines of no block, squashed once for every recipient
            self._common = [(i, squash(line)) for i, line in enumerate(self.lines) if line.strip() and not self.owns(i)]
        # its own lines without its address: the same words for every recipient of a long list, so
        # that their evidence is alike and decided once (see bouncecodes.classify)
        mine = [(i, piece) for i in self._owned.get(address.lower(), [])
                if (piece := strip_address(self.lines[i], address))]
        if not mine:  # nothing but its address on its lines: the lines of no block, joined once for all
            if self._common_only is None:
                self._common_only = _joined(self._common)
            return self._common_only
        return _joined(heapq.merge(self._common, mine))


def _joined(pieces: Iterable[tuple[int, str]]) -> str:
    """The non-empty pieces, in order, joined by spaces and cut at MAX_DIAGNOSTIC."""
    parts: list[str] = []
    size = 0
    for _, piece in pieces:
        if piece:
            parts.append(piece)
            size += len(piece) + 1
            if size > MAX_DIAGNOSTIC:
                break
    return " ".join(parts)[:MAX_DIAGNOSTIC]


def block_text(lines: list[str]) -> str:
    return squash("\n".join(lines))[:MAX_DIAGNOSTIC]


def _gap(text: str, start: int, end: int) -> str:
    """What stands for an address cut out of ``text[start:end]``: a mark when it sat mid-sentence,
    between words ("Your message to bob@… couldn't be delivered"), so that the sentence does not read
    as if a word were missing; a space otherwise."""
    inside = (start >= 2 and text[start - 1] == " " and text[start - 2].isalpha()
              and text[end:end + 1] == " " and text[end + 1:end + 2].isalpha())
    return " … " if inside else " "


def strip_address(text: str, address: str) -> str:
    """The block's text without the address itself and its brackets (keeps the server's words)."""
    lowered, needle = text.lower(), address.lower()
    if not needle or needle not in lowered:
        return squash(text)
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets would not line up
        return squash(re.sub(r"<?" + re.escape(address) + r">?:?", lambda m: _gap(text, m.start(), m.end()), text,
                             flags=re.IGNORECASE))
    out: list[str] = []
    pos = 0
    found = lowered.find(needle)
    while found >= 0:
        start = found - 1 if found > pos and text[found - 1] == "<" else found
        end = found + len(needle)
        end += text.startswith(">", end)
        end += text.startswith(":", end)
        out += (text[pos:start], _gap(text, start, end))
        pos = end
        found = lowered.find(needle, pos)
    out.append(text[pos:])
    return squash("".join(out))


SENT_LINE_RE = re.compile(r"^\s{0,8}" + _SENT + _COMMANDS + r"\b", re.IGNORECASE)
ANSWER_LINE_RE = re.compile(r"^\s{0,8}" + _ANSWER + r"(?=[2-5]\d\d)", re.IGNORECASE)


def _transcript(lines: list[str]) -> tuple[list[str], str]:
    """For a block holding an SMTP session transcript (Sendmail's ``>>> RCPT To:<a>`` / ``<<< 550 …``,
    Postfix's ``In: DATA`` / ``Out: 451 …``): the remote's first failing reply (with the lines
    continuing it) and the command it answered; ([], '') when the block holds no failing reply."""
    command = ""
    for i, line in enumerate(lines[:MAX_BLOCK_LINES]):
        sent = SENT_LINE_RE.match(line)
        if sent:
            command = sent.group(1).upper().split()[0]
            continue
        answer = ANSWER_LINE_RE.match(line)
        if not answer or line[answer.end()] not in "45":
            continue
        replies = [line[answer.end():].strip()]
        for more in lines[i + 1: MAX_BLOCK_LINES]:
            m = ANSWER_LINE_RE.match(more)
            if not m:
                break
            replies.append(more[m.end():].strip())
        return replies, command
    return [], ""


# an MTA's note of the address a recipient was reached through: Exim's "(generated from bob@…)" and
# "(ultimately generated from bob@…)", Sendmail's "(expanded from: <bob@…>)", Postfix's "(expanded
# from <bob@…>)"; the note is not the server's words
ALIAS_NOTE_RE = re.compile(r"\((?:ultimately )?(?:generated|expanded) from:?[ \t]{0,3}<?([^\s<>()@]{1,64}@[^\s<>()@]{1,255})>?\)",
                           re.IGNORECASE)


def alias_origin(lines: list[str], address: str) -> str:
    """The address a block says its recipient was expanded from, when it differs; else ''."""
    for line in lines[:MAX_BLOCK_LINES]:
        m = ALIAS_NOTE_RE.search(line)
        if m:
            origin = clean_address(m.group(1))
            return origin if origin.lower() != address.lower() else ""
    return ""


def block_evidence(lines: list[str], address: str) -> tuple[str, str, str, str]:
    """(diagnostic, reply, status, command) for the lines of one block."""
    if len(lines) == 1 and not strip_address(lines[0], address):
        return "", "", "", ""  # the address alone, as in a long list of them: nothing more to read
    if any("from" in line for line in lines):
        lines = [ALIAS_NOTE_RE.sub(" ", line) for line in lines]
    replies, command = _transcript(lines)
    if replies:
        lines = replies
    text = "\n".join(x.strip().lstrip(">*\u2022").strip() for x in lines)[: MAX_DIAGNOSTIC * 2]
    said = SAID_RE.search(text)
    quoted = False
    if said and len(text) - said.end() > 3:
        # "… Remote host said: 550 …": from there on, the remote server's own words
        text = QMAIL_GIVE_UP_RE.sub("", text[said.end():])
        host = LEADING_HOST_RE.match(text)
        if host and len(text) - host.end() > 3:
            text = text[host.end():]
        text, quoted = unquote(text), True
    reply, status = find_codes(text)
    if not reply:
        labelled = LABELLED_REPLY_RE.search(text)
        if labelled:
            reply = labelled.group(1)
    # without the separator that followed the address ("bob@…; Failed; 4.4.7 …"), nor the date
    # Exchange writes after it ("bob@… on Wed, 15 Feb 2006 04:25:29 -0500")
    # (a reply quoted after its label keeps the address it names: those are the server's words)
    diagnostic = text.strip() if quoted and has_code(text[:12]) else strip_address(text, address).lstrip(";,: ")
    diagnostic = LEADING_DATE_RE.sub("", diagnostic, count=1)
    return tidy_reply(diagnostic, reply, status)[:MAX_DIAGNOSTIC], reply, status, command


def unquote(text: str) -> str:
    """A reply as an Exchange notice quotes it ("'550 5.1.1 …'"), without the quotes and what
    follows the closing one on its line."""
    text = text.lstrip()
    if text[:1] in _QUOTES and has_code(text[1:12]):
        end = text.find("\n")
        line = text[1:] if end < 0 else text[1:end]
        close = max(line.rfind(q) for q in _QUOTES)
        if close > 0:
            return line[:close]
        return line
    return text


def quoted_reply(notice: str) -> str:
    """The receiving server's reply as a notice written for people quotes it after a label
    (:data:`QUOTED_REPLY_RE`), without quotes; '' when there is none."""
    m = QUOTED_REPLY_RE.search(notice[: MAX_DIAGNOSTIC * 8])
    return unquote(m.group(1)).strip() if m else ""


# where Sendmail starts writing out one SMTP session: "... while talking to mx.example.org.:"
TALKING_RE = re.compile(r"^[ \t.]{0,8}while talking to\b", re.IGNORECASE)


def session_before(found: Blocks, address: str, lines: list[str]) -> list[str]:
    """The session transcript written just above a recipient's line, when that line gives no reply
    of its own: Sendmail writes "554 <bob@…>... Remote protocol error" under the session in which the
    server refused the sender (">>> MAIL From:…" / "<<< 501 …"), a refusal that names no recipient.
    [] when the block has its own transcript, its line quotes a reply, or no session stands above it."""
    if not lines or not found.has_sessions or _transcript(lines)[0]:
        return []
    first = lines[0]
    at = first.lower().find(address.lower())
    if at < 0 or has_code(first[at + len(address):]) or address not in found.first \
            or not found.has_sessions:
        return []
    index = found.first[address]
    above: list[str] = []
    for i in range(index - 1, max(-1, index - 1 - MAX_BLOCK_LINES), -1):
        line = found.lines[i]
        if not line.strip() or DIVIDER_RE.match(line) or found.owns(i):  # a gap, or another recipient
            return []
        above.append(line)
        if TALKING_RE.match(line):
            above.reverse()
            return above if _transcript(above)[0] else []
    return []


def block_remote(lines: list[str]) -> str:
    """The remote host a block names ("host mx.example.com[192.0.2.1] said"), or ''."""
    m = REMOTE_HOST_RE.search("\n".join(lines)[: MAX_DIAGNOSTIC * 2])
    return m.group(1).lower().rstrip(".") if m else ""


def reply_lines(notice: str) -> str:
    """The first server reply written on lines of its own (``550 5.1.1 …`` or ``<<< 550 …``) with
    the lines that continue it; '' when there is none."""
    lines = notice.split("\n")
    for i, line in enumerate(lines):
        if REPLY_LINE_RE.match(line):
            out = [line.strip()]
            for more in lines[i + 1: i + 6]:
                if not more.strip() or DIVIDER_RE.match(more) or (":" in more[:30] and not REPLY_LINE_RE.match(more)):
                    break
                out.append(more.strip())
            return "\n".join(out)[:MAX_DIAGNOSTIC]
    return ""


# a lead-in to a list of recipients ("Your mail to the following recipients could not be delivered
# …:"), and a line of that list holding a user name only, without a domain
RECIPIENT_LIST_LEAD_RE = re.compile(r"\b(?:recipients?|addresses|addressees|users?)\b[^\n]{0,200}:[ \t]*$", re.IGNORECASE)
BARE_USER_RE = re.compile(r"^[ \t]{0,12}([A-Za-z0-9][\w.+-]{0,63})[ \t]*$")


def bare_recipients(notice: str, domain: str) -> list[str]:
    """For a notice that names its recipients by user name only, as a local mail system may (the
    list under "… the following recipients …:"): each at ``domain``, the domain of the mail system
    that sent the notice. [] without such a list."""
    lines = notice_part(notice).split("\n")[:200]
    for i, line in enumerate(lines):
        # the lead-in may be wrapped: its words on the line before the one ending with ':'
        if not line.rstrip().endswith(":") or not RECIPIENT_LIST_LEAD_RE.search(
                (lines[i - 1] + " " if i else "") + line):
            continue
        found: list[str] = []
        for more in lines[i + 1: i + 1 + MAX_BLOCK_LINES]:
            if not more.strip():
                if found:
                    break
                continue
            m = BARE_USER_RE.match(more)
            if not m:
                break
            found.append(f"{m.group(1)}@{domain}")
        if found:
            return list(dict.fromkeys(found))
    return []


def evidence_from_notice(notice: str, exclude: set[str], source: str = "text", listed: int = 0) -> list[Evidence]:
    """One Evidence per recipient mentioned in a human-readable notice; ``listed`` is how many
    recipients the message says failed elsewhere (Exim's X-Failed-Recipients), when it says so."""
    body = notice_part(notice)
    results = []
    action = "delayed" if is_delay_warning(body) else ""
    found_blocks = Blocks(body, exclude)
    blocks = found_blocks.blocks
    for address, lines in blocks.items():
        while len(lines) > 1 and (not lines[-1].strip() or TALKING_RE.match(lines[-1])):
            lines = lines[:-1]  # the start of the next session is not this recipient's
        session = session_before(found_blocks, address, lines)
        diagnostic, reply, status, command = block_evidence(session + lines, address)
        if len(blocks) == 1 and listed <= 1 and not has_code(diagnostic[:12]):
            # the server's reply is written apart from the address, after a label ("Error: 550 …"
            # in Exchange Online's notice, Gmail's "The response from the remote server was:")
            # (Exchange Online writes its "Error Details" after "Original Message Details", a
            # table about the message rather than the message: looked for up to its headers)
            headers = HEADER_LINE_RE.search(notice)
            found = quoted_reply(body) or quoted_reply(notice[:headers.start()] if headers else notice)
            if found:
                reply, status = find_codes(found)
                diagnostic = squash(found)[:MAX_DIAGNOSTIC]
        if not reply and not status and len(blocks) == 1 and listed <= 1:
            # the server's reply is written apart from the address ("Error message below: 550 …")
            found = reply_lines(body)
            if found:
                reply, status = find_codes(found)
                diagnostic = squash(found)
        results.append(
            Evidence(recipient=address, status=status, reply=reply, diagnostic=diagnostic,
                     notice=found_blocks.notice_for(address), action=action,
                     command=command or command_in(lines) or (find_command(body) if len(blocks) == 1 else ""),
                     remote_mta=block_remote(lines), source=source, original_recipient=alias_origin(lines, address))
        )
    return results
