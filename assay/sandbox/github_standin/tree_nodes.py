"""GraphQL resolvers for git objects at ``HEAD:<path>``: trees (folder listings), blobs (file text),
and the issue templates GitHub derives from ``.github/ISSUE_TEMPLATE``."""

from __future__ import annotations

from typing import Any

import yaml

from assay.sandbox.github_standin.model import Repo, oid_for


def issue_templates(files: dict[str, str]) -> list[dict[str, Any]]:
    """Issue templates from .github/ISSUE_TEMPLATE: Markdown front matter or issue-form YAML."""
    found = []
    for path, text in sorted(files.items()):
        folder, _, filename = path.rpartition("/")
        if folder.lower() != ".github/issue_template" or filename.lower() == "config.yml":
            continue
        meta: dict[str, Any] = {}
        try:
            if filename.endswith(".md") and text.startswith("---"):
                meta = yaml.safe_load(text.split("---")[1]) or {}
            elif filename.endswith((".yml", ".yaml")):
                meta = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            meta = {}
        name = str(meta.get("name") or filename.rsplit(".", 1)[0])
        about = meta.get("about") or meta.get("description")
        found.append({"name": name, "about": about, "filename": filename, "title": meta.get("title")})
    return found


def git_object(repo: Repo, path: str) -> Any:
    """The tree or blob at ``path`` in the default branch, or None."""
    if path in repo.files:
        return BlobNode(repo, path, repo.files[path])
    prefix = f"{path}/" if path else ""
    if any(p.startswith(prefix) for p in repo.files):
        return TreeNode(repo, path)
    return None


class TreeNode:
    typename = "Tree"

    def __init__(self, repo: Repo, path: str) -> None:
        self._repo = repo
        self._path = path
        self.oid = oid_for(repo.name, "tree", path)

    def entries(self, info: Any) -> list[dict[str, Any]]:
        prefix = f"{self._path}/" if self._path else ""
        children: dict[str, str] = {}
        for p in self._repo.files:
            if p.startswith(prefix):
                head, sep, _ = p[len(prefix) :].partition("/")
                children[head] = "tree" if sep else children.get(head, "blob")
        entries = []
        for name, kind in sorted(children.items()):
            full = prefix + name
            entries.append(
                {
                    "name": name,
                    "path": full,
                    "type": kind,
                    "mode": 16384 if kind == "tree" else 33188,
                    "extension": "." + name.rsplit(".", 1)[1] if "." in name and kind == "blob" else None,
                    "object": git_object(self._repo, full),
                    "oid": oid_for(self._repo.name, full),
                }
            )
        return entries


class BlobNode:
    typename = "Blob"

    def __init__(self, repo: Repo, path: str, text: str) -> None:
        self.oid = oid_for(repo.name, "blob", path)
        self.text = text
        self.byteSize = len(text.encode())
        self.isBinary = False
        self.isTruncated = False
