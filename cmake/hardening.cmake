# The hardened build (TERN_HARDEN, on by default on hosts): stack protector, FORTIFY_SOURCE,
# full RELRO and PIE, for the library, the tern command, the tests and the examples.
# scripts/check_hardening.sh reads them back from the binaries (the `hardening` test).
# A device build (cross-compiling, or a bare-metal toolchain) turns it off by default: there
# is no dynamic loader to make anything read-only, nor a libc with *_chk functions.
if(CMAKE_CROSSCOMPILING OR CMAKE_SYSTEM_NAME STREQUAL "Generic")
  set(TERN_HARDEN_DEFAULT OFF)
else()
  set(TERN_HARDEN_DEFAULT ON)
endif()
option(TERN_HARDEN "Stack protector, FORTIFY_SOURCE, full RELRO and PIE" ${TERN_HARDEN_DEFAULT})

# FORTIFY_SOURCE works only with optimisation (glibc warns, and warnings are errors, without):
# the optimised build types get it; Debug and a build with no type do not.
set(TERN_HARDEN_OPTIMISED "$<OR:$<CONFIG:Release>,$<CONFIG:RelWithDebInfo>,$<CONFIG:MinSizeRel>>")
if(TERN_HARDEN)
  add_compile_options(-fstack-protector-strong
                      "$<${TERN_HARDEN_OPTIMISED}:-U_FORTIFY_SOURCE;-D_FORTIFY_SOURCE=2>")
  add_link_options(-Wl,-z,relro,-z,now)
  # Executables are PIE: compiled -fPIE (CMAKE_POSITION_INDEPENDENT_CODE) and linked -pie
  # (policy CMP0083, new since cmake_minimum_required 3.14).
  include(CheckPIESupported)
  check_pie_supported()
endif()
