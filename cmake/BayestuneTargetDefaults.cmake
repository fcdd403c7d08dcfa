# Compiler settings shared by every first-party target (generated code is left alone).
function(bayestune_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${BAYESTUNE_WERROR}>>:-Werror>)
endfunction()
