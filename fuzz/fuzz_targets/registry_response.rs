#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| medcab_fuzzing::registry_response(data));
