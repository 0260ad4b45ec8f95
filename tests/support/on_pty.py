#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal, as a person at a terminal would, for the shell tests:

    on_pty.py [--answer PROMPT TEXT]... -- CMD [ARGS...]

The command's terminal is its stdin, stdout, stderr and controlling terminal. Each time PROMPT
appears in what it writes, TEXT and Enter are typed, once the terminal's echo is off (or
after 5 s, when it never goes off: then the terminal echoes TEXT into the output, for the test to
see). Everything the terminal shows goes to stdout, as text (as_seen); "echo-was-off" or "echo-was-on" is printed on
stderr for each answer. Exit status: the command's, 124 after 30 s.
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time


def as_seen(shown):
    """What a person reads: a cursor moved right is that many spaces, other control sequences
    (colours, the cursor shown and hidden, lines cleared, as a Windows console draws them) are
    nothing."""
    text = re.sub(rb"\x1b\[(\d*)C", lambda m: b" " * int(m.group(1) or b"1"), shown)
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", text)


def main():
    args = sys.argv[1:]
    answers = []
    while args and args[0] == "--answer":
        answers.append((args[1].encode(), args[2].encode()))
        args = args[3:]
    if not args or args[0] != "--":
        sys.exit("usage: on_pty.py [--answer PROMPT TEXT]... -- CMD [ARGS...]")
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    # a terminal wide enough that no line of a message is wrapped (a Windows console wraps)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 1000, 0, 0))
    shown = b""
    seen = 0  # where the search for the next prompt starts
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if answers and answers[0][0] in as_seen(shown)[seen:]:
            prompt, text = answers.pop(0)
            seen = as_seen(shown).index(prompt, seen) + len(prompt)
            quiet_by = time.monotonic() + 5
            while termios.tcgetattr(fd)[3] & termios.ECHO and time.monotonic() < quiet_by:
                time.sleep(0.01)
            off = not termios.tcgetattr(fd)[3] & termios.ECHO
            print("echo-was-off" if off else "echo-was-on", file=sys.stderr)
            os.write(fd, text + b"\r")  # Enter: a newline on a POSIX terminal, and on a console
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        shown += data
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.stdout.buffer.write(as_seen(shown))
        sys.exit(124)
    sys.stdout.buffer.write(as_seen(shown))
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
