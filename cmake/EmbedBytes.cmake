# embed_bytes(PATH NAME OUTVAR): append to OUTVAR the C definition
#   static const char NAME[] = {0x.., ..., 0x00};
# of PATH's bytes and a NUL. Bytes, not a string literal, so no escaping rule
# can change the text. Used by the scripts that compile files into programs
# (EmbedSchemas.cmake, plot/EmbedTemplates.cmake), run with cmake -P.
function(embed_bytes path name outvar)
  file(READ ${path} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  set(${outvar} "${${outvar}}static const char ${name}[] = {${hex}0x00};\n" PARENT_SCOPE)
endfunction()
