# Compiles through ccache when the machine has it (scripts/install-deps.sh
# installs it), so that a rebuild of sources compiled before is a cache hit.
#
# - CCACHE_BASEDIR is the repository: paths under it are hashed relative to
#   the build folder, so that two clones in different folders could share
#   entries.
# - The sloppiness is what ccache's manual asks for with precompiled headers
#   (pch_defines, time_macros), and lets a header just written (the PCH's
#   cmake_pch.hxx, moc output) be hashed by content, not refused by its time.
# - Measured on 2026-12-03: a fresh clone of sources another folder had just
#   built got almost no hits (the TUs that include the precompiled header
#   miss, whose .gch differs per build folder), so this does not shorten CI's
#   fresh-clone builds; it helps rebuilds within one folder. Making the PCH
#   hit across folders (or building CI without the PCH when the cache is warm)
#   is open.
# - `-DMC_CCACHE=OFF` builds without it.
option(MC_CCACHE "Compile through ccache when it is installed" ON)
find_program(MC_CCACHE_PROGRAM ccache)
if(MC_CCACHE AND MC_CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  get_filename_component(mc_repository "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      "CCACHE_BASEDIR=${mc_repository}"
      "CCACHE_NOHASHDIR=1"
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime,locale"
      "CCACHE_MAXSIZE=20G"
      ${MC_CCACHE_PROGRAM})
  message(STATUS "Compiling through ${MC_CCACHE_PROGRAM}")
endif()
