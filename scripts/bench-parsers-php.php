<?php
// PHP's own parsers on the benchmark inputs, for scripts/bench-parsers-vs-php.sh.
// Usage: php -n bench-parsers-php.php DIR ITERATIONS [ROUNDS]   (-n: no php.ini, no opcache)
// Timed like examples/bench_parsers.rs: every measurement once untimed (which also checks
// its result), then ROUNDS rounds (default 5) in which each measurement loops ITERATIONS
// times, hrtime() around the loop only, so process startup is not counted; the median
// round is reported. One line per measurement:
// php <format> <function> <bytes> <iterations> <seconds> <MB/s>   (MB = 10^6 bytes)

if ($argc < 3 || $argc > 4 || (int) $argv[2] < 1 || ($argc === 4 && (int) $argv[3] < 1)) {
    fwrite(STDERR, "usage: php -n bench-parsers-php.php DIR ITERATIONS [ROUNDS]\n");
    exit(2);
}
$dir = $argv[1];
$iterations = (int) $argv[2];
$rounds = $argc === 4 ? (int) $argv[3] : 5;

if (extension_loaded('Zend OPcache') && ini_get('opcache.enable_cli')) {
    fwrite(STDERR, "opcache is on: run with php -n\n");
    exit(2);
}

$ini = "$dir/php.ini";
$iniText = file_get_contents($ini);
$env = "$dir/env.php";
$measurements = [
    ['php_ini', 'parse_ini_file', $ini, fn () => parse_ini_file($ini, true, INI_SCANNER_NORMAL)],
    ['php_ini', 'parse_ini_string', $ini, fn () => parse_ini_string($iniText, true, INI_SCANNER_NORMAL)],
    ['php_ini', 'json_encode', $ini, fn () => [json_encode(parse_ini_string($iniText, true, INI_SCANNER_NORMAL))]],
    ['env_php', 'include', $env, fn () => include $env],
];

foreach ($measurements as [, $function, $file, $run]) {
    if (!is_array($run())) {
        fwrite(STDERR, "$function($file) did not return an array\n");
        exit(1);
    }
}
$seconds = [];
for ($r = 0; $r < $rounds; $r++) {
    foreach ($measurements as $m => [, , , $run]) {
        $start = hrtime(true);
        for ($i = 0; $i < $iterations; $i++) {
            $result = $run();
        }
        $seconds[$m][] = (hrtime(true) - $start) / 1e9;
        unset($result);
    }
}
foreach ($measurements as $m => [$format, $function, $file]) {
    sort($seconds[$m]);
    $median = $seconds[$m][intdiv(count($seconds[$m]), 2)];
    $bytes = filesize($file);
    printf("php %s %s %d %d %.6f %.2f\n", $format, $function, $bytes, $iterations, $median, $bytes * $iterations / $median / 1e6);
}
