{
    "name": "memo",
    "title": "Memo (test module)",
    "version": "1.0.0",
    "summary": "A small module that proves the module system end to end in the test suite.",
    "depends": [],
    "category": "Test",
    "installable": True,
    "data": ["data/categories.py"],
    "demo": [],
    "license": "AGPL-3.0-or-later",
}
