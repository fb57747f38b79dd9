# Compiles through ccache when the machine has it (scripts/install-deps.sh
# installs it), so that a fresh clone's build, and the sanitizer build beside
# it, reuse what an earlier build of the same sources compiled: CI builds the
# tree twice from scratch, and most of that time is LibTorch's headers.
#
# - CCACHE_BASEDIR is the repository: paths under it are hashed relative to
#   the build folder, so that two clones in different folders share entries.
# - The sloppiness is what ccache's manual asks for with precompiled headers
#   (pch_defines, time_macros), and lets a header just written (the PCH's
#   cmake_pch.hxx, moc output) be hashed by content, not refused by its time.
# - A wrong hit needs a header changed without its content changing in the
#   hash, which ccache does not allow; `-DMC_CCACHE=OFF` builds without it.
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
