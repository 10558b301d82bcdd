"""Who answers on the daemon's local socket, checked before anything is sent.

The shim sends the daemon every call's context (auth tokens) and arguments
(passwords): whoever listens on the socket path reads them, and its answers
are believed. So before the first byte, the shim checks (docs/security.md):

- the socket file belongs to a trusted user, and
- the process at the other end of the connection (the kernel's SO_PEERCRED,
  recorded when that process started listening) runs as a trusted user.

Trusted users: root, the shim's own user, and ``[zmq_bridge] daemon_user``.
A socket another user put in a shared directory fails both checks.
"""
import os
import pwd
import socket
import struct

from . import errors

#: Linux's SO_PEERCRED where Python's socket module does not name it (asm-generic value).
SO_PEERCRED = getattr(socket, "SO_PEERCRED", 17)
#: ``struct ucred``: pid, uid, gid.
_UCRED = struct.Struct("3i")


def trusted_uids(daemon_user=None):
    """Root, this process's user, and ``daemon_user`` (a user name or uid) when given."""
    uids = {0, os.geteuid()}
    if daemon_user not in (None, ""):
        uids.add(_uid_of(daemon_user))
    return frozenset(uids)


def _uid_of(user):
    text = str(user).strip()
    if text.isdigit():
        return int(text)
    try:
        return pwd.getpwnam(text).pw_uid
    except KeyError:
        raise errors.InvalidDaemonUser(text) from None


def peer_credentials(sock):
    """(pid, uid, gid) of the process at the other end of a connected unix socket."""
    return _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, SO_PEERCRED, _UCRED.size))


def _user(uid):
    try:
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return "uid %d" % uid


def check_daemon(sock, path, trusted):
    """Raise UntrustedDaemon unless ``path`` and the peer of ``sock`` belong to ``trusted`` uids."""
    try:
        owner = os.stat(path).st_uid
    except OSError as exc:
        raise errors.UntrustedDaemon(path, "its owner cannot be checked (%s)"
                                     % (exc.strerror or exc)) from None
    if owner not in trusted:
        raise errors.UntrustedDaemon(path, "the socket file belongs to %s" % _user(owner))
    pid, uid, _gid = peer_credentials(sock)
    if uid not in trusted:
        raise errors.UntrustedDaemon(path, "the process listening on it (pid %d) runs as %s"
                                     % (pid, _user(uid)))
    return pid, uid
