"""Stored files shared by documents: removed only once unreferenced, after the commit."""

from __future__ import annotations

import pytest

from handlers.ports import FileStore
from storage.repositories import Store

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


class Interrupted(Exception):
    """The transaction failed after the erasure marked the file."""


async def test_trust_01_files_go_only_after_an_erasure_commits(
    store: Store, files: FileStore
) -> None:
    async with store.transaction() as uow:
        stored = await files.put(PDF, ".pdf", hold=uow.blobs.hold)
    path = files.root / stored.path

    async def erase_then_fail() -> None:
        async with store.transaction() as uow:
            assert await uow.blobs.release([stored.path]) == [stored.path]
            raise Interrupted

    # An erasure that rolls back has removed nothing, and marked nothing.
    with pytest.raises(Interrupted):
        await erase_then_fail()
    assert await store.collect_files(files.remove) == 0
    assert path.read_bytes() == PDF

    # An erasure that committed, in a process that died before removing the file: the next
    # collection, whoever runs it, finishes the work.
    async with store.transaction() as uow:
        assert await uow.blobs.release([stored.path]) == [stored.path]
    assert path.exists()
    assert await store.collect_files(files.remove) == 1
    assert not path.exists()
    async with store.transaction() as uow:
        assert await uow.blobs.doomed() == []

    # The same bytes sent again are written again.
    async with store.transaction() as uow:
        assert await files.put(PDF, ".pdf", hold=uow.blobs.hold) == stored
    assert path.read_bytes() == PDF
