# Warning flags for host C++ code of sgmv's own targets; SGMV_WERROR makes them errors.
function(sgmv_set_warnings target)
  set(flags -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(SGMV_WERROR)
    list(APPEND flags -Werror)
  endif()
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${flags}>)
endfunction()

# Sanitizers apply to every host target of the build (the tests included).
if(SGMV_SANITIZE)
  string(REPLACE ";" "," _sgmv_san "${SGMV_SANITIZE}")
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${_sgmv_san}>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>)
  add_link_options(-fsanitize=${_sgmv_san})
endif()
