<?php
// PHP's own parsers on the benchmark inputs, for scripts/bench-parsers-vs-php.sh.
// Usage: php -n bench-parsers-php.php DIR ITERATIONS   (-n: no php.ini, so no opcache)
// One untimed run first (it also checks the result), then ITERATIONS timed with hrtime()
// around the loop only; process startup is not counted. Prints one line per measurement:
// php <format> <function> <bytes> <iterations> <seconds> <MB/s>   (MB = 10^6 bytes)

if ($argc !== 3 || (int) $argv[2] < 1) {
    fwrite(STDERR, "usage: php -n bench-parsers-php.php DIR ITERATIONS\n");
    exit(2);
}
[, $dir, $iterations] = $argv;
$iterations = (int) $iterations;

if (extension_loaded('Zend OPcache') && ini_get('opcache.enable_cli')) {
    fwrite(STDERR, "opcache is on: run with php -n\n");
    exit(2);
}

function measure(string $format, string $function, string $file, int $iterations, callable $run): void
{
    $first = $run();
    if (!is_array($first)) {
        fwrite(STDERR, "$function($file) did not return an array\n");
        exit(1);
    }
    unset($first);
    $start = hrtime(true);
    for ($i = 0; $i < $iterations; $i++) {
        $result = $run();
    }
    $seconds = (hrtime(true) - $start) / 1e9;
    unset($result);
    $bytes = filesize($file);
    printf("php %s %s %d %d %.6f %.2f\n", $format, $function, $bytes, $iterations, $seconds, $bytes * $iterations / $seconds / 1e6);
}

$ini = "$dir/php.ini";
measure('php_ini', 'parse_ini_file', $ini, $iterations, fn () => parse_ini_file($ini, true, INI_SCANNER_NORMAL));
$text = file_get_contents($ini);
measure('php_ini', 'parse_ini_string', $ini, $iterations, fn () => parse_ini_string($text, true, INI_SCANNER_NORMAL));
$env = "$dir/env.php";
measure('env_php', 'include', $env, $iterations, fn () => include $env);
