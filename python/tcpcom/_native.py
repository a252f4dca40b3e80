"""The C side: libtcpcom found and loaded, its structs and functions
declared for ctypes. Only the public tcpcom_* API of tcpcom.h is used; the
structs below follow it field by field."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import List, Optional

HOST_MAX = 256
FRAME_MAX = 128

# enum tcpcom_payload
PAYLOAD_RANDOM, PAYLOAD_COUNTER, PAYLOAD_FIXED = 0, 1, 2

# enum tcpcom_echo_status
ECHO_STATUS = {0: "none", 1: "ok", 2: "mismatch", 3: "timeout", 4: "error"}

# TCPCOM_COUNTERS, in the header's order.
COUNTERS = ("frames_sent", "echoes_ok", "mismatches", "echo_timeouts",
            "protocol_errors", "connects", "disconnects",
            "reconnect_attempts", "send_errors", "skipped_cycles",
            "toggles", "echoes_abandoned")

u8, u16, u64 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint64


class Config(ctypes.Structure):
    _fields_ = [
        ("server", ctypes.c_char * HOST_MAX),
        ("port", u16),
        ("length_bits", ctypes.c_uint),
        ("send_cycle_us", u64),
        ("toggle_cycle_us", u64),
        ("mode", ctypes.c_int),
        ("send_on_toggle", ctypes.c_int),
        ("payload", ctypes.c_int),
        ("fixed", u8 * FRAME_MAX),
        ("echo_timeout_us", u64),
        ("connect_timeout_us", u64),
        ("backoff_min_us", u64),
        ("backoff_max_us", u64),
        ("count", u64),
        ("seed", u64),
    ]


class Stats(ctypes.Structure):
    _fields_ = [(name, u64) for name in COUNTERS] + [
        ("link_down_us", u64),
        ("link_up", ctypes.c_int),
        ("elapsed_us", u64),
        ("rtt_count", u64),
        ("rtt_min_us", u64),
        ("rtt_p50_us", u64),
        ("rtt_p99_us", u64),
        ("rtt_max_us", u64),
        ("late_count", u64),
        ("late_p50_us", u64),
        ("late_p99_us", u64),
        ("late_max_us", u64),
    ]


class Echo(ctypes.Structure):
    _fields_ = [
        ("seq", u64),
        ("status", ctypes.c_int),
        ("len", ctypes.c_size_t),
        ("frame", u8 * FRAME_MAX),
        ("echo", u8 * FRAME_MAX),
        ("sent_us", u64),
        ("done_us", u64),
        ("rtt_us", u64),
    ]


def candidates() -> List[str]:
    """Where the library is looked for, in order: $TCPCOM_LIB (a file);
    the build directory of the source tree this module sits in ($BUILD,
    else build/); then the system's library path."""
    out = []
    env = os.environ.get("TCPCOM_LIB")
    if env:
        out.append(env)
    top = os.path.normpath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    build = os.environ.get("BUILD", "build")
    out.append(os.path.join(top, build, "libtcpcom.so"))
    if build != "build":
        out.append(os.path.join(top, "build", "libtcpcom.so"))
    found = ctypes.util.find_library("tcpcom")
    if found:
        out.append(found)
    out.append("libtcpcom.so.1")
    return out


def load() -> ctypes.CDLL:
    """Loads libtcpcom from the first candidate that loads; OSError, naming
    every place tried, when none does."""
    tried = []
    env = os.environ.get("TCPCOM_LIB")
    for path in candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (no such file)" % path)
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            if env and path == env:
                raise OSError("TCPCOM_LIB=%s cannot be loaded: %s"
                              % (env, e)) from e
            tried.append("%s (%s)" % (path, e))
            continue
        declare(lib)
        return lib
    raise OSError("libtcpcom not found; set TCPCOM_LIB to its path. Tried: "
                  + "; ".join(tried))


EchoFn = ctypes.CFUNCTYPE(None, ctypes.POINTER(Echo), ctypes.c_void_p)


def declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of every function used."""
    p = ctypes.c_void_p
    sigs = {
        "tcpcom_config_init": (None, [ctypes.POINTER(Config)]),
        "tcpcom_new": (p, [ctypes.POINTER(Config), ctypes.c_char_p,
                           ctypes.c_size_t]),
        "tcpcom_start": (ctypes.c_int, [p, ctypes.c_char_p,
                                        ctypes.c_size_t]),
        "tcpcom_stop": (None, [p]),
        "tcpcom_wait": (ctypes.c_int, [p, u64]),
        "tcpcom_join": (None, [p]),
        "tcpcom_free": (None, [p]),
        "tcpcom_get_stats": (None, [p, ctypes.POINTER(Stats)]),
        "tcpcom_set_data": (ctypes.c_int, [p, ctypes.POINTER(u8),
                                           ctypes.c_size_t]),
        "tcpcom_last_echo": (ctypes.c_int, [p, ctypes.POINTER(Echo)]),
        "tcpcom_on_echo": (ctypes.c_int, [p, EchoFn, p]),
        "tcpcom_version": (ctypes.c_char_p, []),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args


_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The library, loaded on first use."""
    global _lib
    if _lib is None:
        _lib = load()
    return _lib
