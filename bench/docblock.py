"""Writes a generated block into a Markdown page between its markers
(`<!-- NAME:begin ... -->` and `<!-- NAME:end -->`), leaving the rest alone."""
import re


def replace_block(path, name, block, heading):
    """Puts `block` (its own markers included) in place of the page's NAME
    block; a page without one gets it appended under `heading`."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = "# Benchmarks\n"
    if "<!-- %s:begin" % name not in text:
        text += "\n## %s\n\n<!-- %s:begin -->\n<!-- %s:end -->\n" % (heading, name, name)
    text = re.sub(r"<!-- %s:begin.*?<!-- %s:end -->" % (name, name), lambda _: block, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)
    print("wrote", path)
