#!/usr/bin/python3
"""The Debian package of `make package`, made, unpacked and run.

Usage: check_deb.py BUILD_DIR SOURCE_DIR VERSION

Runs cpack with the build's CPackConfig.cmake into a scratch folder (so that it
does not touch the package `make package` left in BUILD_DIR), reads the
package's control fields, unpacks it into a scratch root with dpkg-deb -x and
checks that it holds what a user installs: both executables, the .desktop
entry, the MIME type of .mcproj, the icons in the hicolor theme, the manual
page, the examples and the user guide. Every library the executables link
must be provided by a package that Depends names. Then it runs the unpacked
modelcomposer-cli on the unpacked examples.
"""

import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

build, source, version = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
checks = 0


def check(ok, message):
    global checks
    checks += 1
    if not ok:
        failures.append(message)
        print("FAIL: " + message)
    return ok


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def needed_libraries(binary):
    """The DT_NEEDED entries and whether the binary has an RPATH or RUNPATH."""
    dyn = run(["readelf", "-d", "--wide", binary]).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
    rpath = re.findall(r"\((?:RPATH|RUNPATH)\)\s+Library (?:rpath|runpath): \[([^\]]*)\]", dyn)
    return needed, rpath


def owner(path):
    """The Debian package that holds a library, as dpkg -S names it (usrmerge: /lib or /usr/lib)."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib/"):
            candidates.append("/usr" + p)
    for p in candidates:
        r = run(["dpkg", "-S", p])
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def package_names(field):
    """The package names of a Depends or Recommends field, alternatives included."""
    names = set()
    for part in field.split(","):
        for alternative in part.split("|"):
            alternative = alternative.strip()
            if alternative:
                names.add(re.split(r"[\s(:]", alternative, 1)[0])
    return names


arch = run(["dpkg", "--print-architecture"], check=True).stdout.strip()
deb_name = "modelcomposer_%s_%s.deb" % (version, arch)

with tempfile.TemporaryDirectory(prefix="check-deb-", dir=build) as scratch:
    out = os.path.join(scratch, "out")
    root = os.path.join(scratch, "root")
    made = run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out],
               cwd=build)
    if made.returncode != 0:
        sys.exit("cpack failed (%d):\n%s%s" % (made.returncode, made.stdout, made.stderr))
    deb = os.path.join(out, deb_name)
    if not os.path.isfile(deb):
        sys.exit("cpack made no %s; it made: %s\n%s" % (deb_name, os.listdir(out), made.stdout))
    print("package: %s (%.1f MB)" % (deb_name, os.path.getsize(deb) / 1e6))

    # The control fields.
    fields = {}
    for name in ("Package", "Version", "Architecture", "Maintainer", "Section", "Description", "Depends",
                 "Recommends"):
        r = run(["dpkg-deb", "-f", deb, name])
        fields[name] = r.stdout.strip() if r.returncode == 0 else ""
    check(fields["Package"] == "modelcomposer", "Package is %r, not modelcomposer" % fields["Package"])
    check(fields["Version"] == version, "Version is %r, not %s" % (fields["Version"], version))
    check(fields["Architecture"] == arch, "Architecture is %r, not %s" % (fields["Architecture"], arch))
    for name in ("Maintainer", "Section", "Description", "Depends"):
        check(fields[name] != "", "the control field %s is empty or missing" % name)
    info = run(["dpkg-deb", "-I", deb]).stdout
    check("Depends: " in info, "dpkg-deb -I shows no Depends line")
    print("Depends: " + fields["Depends"])
    depends = package_names(fields["Depends"])
    recommends = package_names(fields["Recommends"])
    for p in ("shared-mime-info", "desktop-file-utils", "hicolor-icon-theme"):
        check(p in depends | recommends, "neither Depends nor Recommends names %s" % p)

    # Ownership and modes, as dpkg will install them.
    listing = run(["dpkg-deb", "-c", deb], check=True).stdout.splitlines()
    for line in listing:
        mode, owners = line.split()[0:2]
        path = line.split()[-1] if "->" not in line else line.split()[-3]
        check(owners == "root/root", "%s belongs to %s, not root/root" % (path, owners))
        if mode.startswith("d"):
            check(mode == "drwxr-xr-x", "the directory %s has mode %s" % (path, mode))

    run(["dpkg-deb", "-x", deb, root], check=True)
    usr = os.path.join(root, "usr")

    # What the package holds.
    cli = os.path.join(usr, "bin", "modelcomposer-cli")
    gui = os.path.join(usr, "bin", "modelcomposer")
    for exe in (cli, gui):
        check(os.path.isfile(exe) and os.access(exe, os.X_OK), "%s is missing or not executable" % exe)
    expected = ["share/applications/modelcomposer.desktop",
                "share/mime/packages/modelcomposer.xml",
                "share/icons/hicolor/scalable/apps/modelcomposer.svg",
                "share/man/man1/modelcomposer-cli.1.gz",
                "share/doc/modelcomposer/editor.md"]
    for icon in glob.glob(os.path.join(source, "resources", "icons", "modelcomposer-*.png")):
        size = re.search(r"modelcomposer-(\d+)\.png$", icon).group(1)
        expected.append("share/icons/hicolor/%sx%s/apps/modelcomposer.png" % (size, size))
    examples = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, "examples", "*.mcproj")))
    check(len(examples) > 0, "no examples in %s/examples" % source)
    expected += ["share/modelcomposer/examples/" + e for e in examples]
    for image in re.findall(r"\]\((images/[^)]+)\)", open(os.path.join(source, "docs", "editor.md")).read()):
        expected.append("share/doc/modelcomposer/" + image)
    for rel in expected:
        check(os.path.isfile(os.path.join(usr, rel)), "/usr/%s is not in the package" % rel)

    # The executables: no path into the build tree, stripped, and each library
    # they link provided by a package of Depends.
    for exe in (cli, gui):
        if not os.path.isfile(exe):
            continue
        needed, rpath = needed_libraries(exe)
        check(not rpath, "%s has an RPATH/RUNPATH: %s" % (exe, rpath))
        check(".symtab" not in run(["readelf", "-S", "--wide", exe]).stdout, "%s is not stripped" % exe)
        linked = run(["ldd", exe]).stdout
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", linked, re.M))
        # The dynamic loader is listed by its path alone.
        resolved.update((os.path.basename(p), p) for p in re.findall(r"^\s*(/\S+) \(0x", linked, re.M))
        for lib in needed:
            if not check(lib in resolved, "%s: %s is not found by ldd" % (os.path.basename(exe), lib)):
                continue
            pkg = owner(resolved[lib])
            if check(pkg is not None, "%s: no package holds %s" % (os.path.basename(exe), resolved[lib])):
                check(pkg in depends, "%s links %s (package %s), which Depends does not name"
                      % (os.path.basename(exe), lib, pkg))

    # The .desktop entry, the MIME type and the icon agree with each other.
    desktop_path = os.path.join(usr, "share/applications/modelcomposer.desktop")
    mime_path = os.path.join(usr, "share/mime/packages/modelcomposer.xml")
    if os.path.isfile(desktop_path) and os.path.isfile(mime_path):
        entry = dict(l.split("=", 1) for l in open(desktop_path, encoding="utf-8").read().splitlines()
                     if "=" in l and not l.startswith("#"))
        check(entry.get("Exec", "").split()[0:1] == ["modelcomposer"], "Exec is %r" % entry.get("Exec"))
        check(entry.get("Icon") == "modelcomposer", "Icon is %r" % entry.get("Icon"))
        ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
        types = ET.parse(mime_path).getroot().findall(ns + "mime-type")
        mcproj = [t.get("type") for t in types
                  if any(g.get("pattern") == "*.mcproj" for g in t.findall(ns + "glob"))]
        check(len(mcproj) == 1, "the MIME XML declares %d types for *.mcproj" % len(mcproj))
        check(mcproj and mcproj[0] in entry.get("MimeType", "").split(";"),
              "the .desktop entry's MimeType %r does not name %s" % (entry.get("MimeType"), mcproj))
        validate = shutil.which("desktop-file-validate")
        if validate:
            r = run([validate, desktop_path])
            check(r.returncode == 0 and "error:" not in r.stdout,
                  "desktop-file-validate: %s%s" % (r.stdout, r.stderr))
        else:
            print("desktop-file-validate not installed: the .desktop entry is not validated")

    # The manual page: gzipped, the version filled in, renders without warnings.
    man_path = os.path.join(usr, "share/man/man1/modelcomposer-cli.1.gz")
    if os.path.isfile(man_path):
        text = gzip.open(man_path, "rt", encoding="utf-8").read()
        check(text.count(".TH MODELCOMPOSER-CLI 1") == 1, "the manual page has no .TH line")
        check("Model Composer %s" % version in text and "@PROJECT_VERSION@" not in text,
              "the manual page does not name version %s" % version)
        if shutil.which("man"):
            r = run(["man", "--warnings", "-l", man_path], env=dict(os.environ, MANWIDTH="80"))
            check(r.returncode == 0 and r.stderr.strip() == "" and "modelcomposer-cli" in r.stdout,
                  "man -l: status %d, %s" % (r.returncode, r.stderr))

    # The unpacked programs run, on the unpacked examples.
    if os.path.isfile(cli):
        r = run([cli, "--version"], cwd=scratch)
        check(r.returncode == 0 and r.stdout.strip() == "modelcomposer-cli " + version,
              "modelcomposer-cli --version: status %d, %r %r" % (r.returncode, r.stdout, r.stderr))
        for example, total in (("lenet.mcproj", 61706), ("encoder-decoder.mcproj", 61)):
            path = os.path.join(usr, "share/modelcomposer/examples", example)
            r = run([cli, "summary", path], cwd=scratch)
            check(r.returncode == 0 and "Total params: %d\n" % total in r.stdout,
                  "modelcomposer-cli summary %s: status %d, no 'Total params: %d':\n%s%s"
                  % (path, r.returncode, total, r.stdout, r.stderr))
    if os.path.isfile(gui):
        r = run([gui, "--version"], cwd=scratch, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        check(r.returncode == 0 and version in r.stdout,
              "modelcomposer --version: status %d, %r %r" % (r.returncode, r.stdout, r.stderr))

print("%d passed, %d failed" % (checks - len(failures), len(failures)))
sys.exit(1 if failures else 0)
