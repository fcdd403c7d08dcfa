# Compiler settings shared by every first-party target (generated code is left alone).
function(bayestune_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    # Designated initialisers that leave fields at their defaults are the house style for option
    # structs and measurements (Measurement{.metric = "loss", .step = 3, .value = 0.2}); GCC 12
    # warns about them in C++ (later GCCs do not).
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-missing-field-initializers>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${BAYESTUNE_WERROR}>>:-Werror>)
endfunction()
