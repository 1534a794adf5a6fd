# One interface target carries the project's warning and sanitizer flags, as curl's
# PickyWarnings.cmake does; every target of ours links it.
add_library(arstat_warnings INTERFACE)
target_compile_options(arstat_warnings INTERFACE
  -Wall -Wextra -Wformat=2 -Wshadow -Wconversion -Wstrict-prototypes -Wvla
  -Wmissing-prototypes -Wpointer-arith -Wundef)
target_compile_definitions(arstat_warnings INTERFACE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
if(ARSTAT_WERROR)
  target_compile_options(arstat_warnings INTERFACE -Werror)
endif()
if(ARSTAT_SANITIZE)
  target_compile_options(arstat_warnings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(arstat_warnings INTERFACE -fsanitize=address,undefined)
endif()
if(ARSTAT_FUZZ)
  # Coverage feedback for libFuzzer from every library the fuzz targets link
  # (tests/fuzz); the targets themselves link -fsanitize=fuzzer.
  target_compile_options(arstat_warnings INTERFACE -fsanitize=fuzzer-no-link)
endif()
