"""FTP downloads: list a folder, then fetch the matching files one by one into a caller's sink."""
from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterator

from ..errors import TaskError

Retrieve = Callable[[Callable[[bytes], object]], object]


def matching_files(address: str, port: int, username: str, password: str, directory: str, pattern: str,
                   timeout: float) -> Iterator[tuple[str, Retrieve]]:
    """(name, retrieve) per file of `directory` matching `pattern`, sorted; retrieve(sink) streams the file's bytes.

    `address` is the checked address, never a name: passive data connections go to it as well.
    """
    import ftplib

    ftp = ftplib.FTP(timeout=timeout)
    # Passive data connections go to the checked control address, never to one the server's reply names.
    ftp.trust_server_pasv_ipv4_address = False
    try:
        ftp.connect(address, port)
        ftp.login(username, password)
        ftp.cwd(directory)
        names = [posixpath.basename(n) for n in ftp.nlst()]
        for name in sorted(n for n in names if fnmatch.fnmatch(n, pattern)):
            yield name, lambda sink, name=name: ftp.retrbinary(f"RETR {name}", sink)
    except ftplib.all_errors as exc:
        raise TaskError(f"FTP failed: {str(exc).splitlines()[0][:200]}", field="host") from None
    finally:
        try:
            ftp.quit()
        except Exception:  # already closed or never opened
            ftp.close()
