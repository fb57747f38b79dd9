# `make package`: a Debian package of what `cmake --install` installs (both
# executables, the .desktop entry, the icons, the MIME type of .mcproj, the
# manual page, the examples and the documentation), made by CPack under /usr.
#
# Its dependencies are Debian package names found by dpkg-shlibdeps (dpkg-dev)
# from the libraries the executables link. No maintainer scripts: Debian's
# dpkg triggers of shared-mime-info (/usr/share/mime/packages),
# desktop-file-utils (/usr/share/applications) and the icon cache
# (/usr/share/icons/hicolor) update their databases when the package is
# installed or removed.
# tests/packaging/check_deb.py builds the package into a scratch folder,
# unpacks it and runs the installed command line.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME modelcomposer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_VENDOR "Model Composer")
set(MC_PACKAGE_MAINTAINER "Seed 3c8f42cf maintainers <maintainers@users.noreply.r-seed-3c8f42cf.example>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${MC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "editor of neural networks from nested and shared modules")
set(CPACK_PACKAGE_DESCRIPTION
    "Model Composer draws a neural network out of nested and shared modules,\n"
    "counts, freezes and shares their parameters, trains the model with LibTorch\n"
    "while the loss curves update live, and exports it as a TorchScript file\n"
    "that PyTorch opens as it is.\n"
    "\n"
    "The package holds the window (modelcomposer) and the command line\n"
    "(modelcomposer-cli: summary, train, also data parallel on several\n"
    "processes, and export), example projects in /usr/share/modelcomposer\n"
    "and the documentation.")
string(CONCAT CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# modelcomposer_<version>_<architecture>.deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# LibTorch calls the system BLAS; the reference BLAS it gets without OpenBLAS is
# about 8x slower on a dense layer (scripts/install-deps.sh). The file manager
# learns the .mcproj type, the application entry and the icon through these.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "libopenblas0-openmp | libopenblas0, shared-mime-info, desktop-file-utils, hicolor-icon-theme")
set(CPACK_STRIP_FILES ON)
# Directories 0755 whatever the umask of whoever builds the package.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

include(CPack)
