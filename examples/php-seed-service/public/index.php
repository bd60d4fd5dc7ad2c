<?php
// Router for `php -S 127.0.0.1:PORT -t public public/index.php`. In the seed application the
// booking code is reached from the phone agent's webhook; here the harness's contract routes
// stand in front of it. POST /webhooks/calcom is Cal.com's webhook receiver.

declare(strict_types=1);

spl_autoload_register(function (string $class): void {
    $file = __DIR__ . '/../src/' . $class . '.php';
    if (is_file($file)) {
        require $file;
    }
});

// CalcomException lives in CalcomClient.php.
require_once __DIR__ . '/../src/CalcomClient.php';

$status = 500;
$answer = [];
try {
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
    if ($path === '/webhooks/calcom') {
        // Cal.com's webhooks: verified, then ignored, as the shipped system did.
        [$status, $answer] = (new CalcomWebhookController(Config::env('CALCOM_WEBHOOK_SECRET', '')))->handle(
            $_SERVER['REQUEST_METHOD'] ?? 'GET',
            (string) file_get_contents('php://input'),
            $_SERVER['HTTP_X_CAL_SIGNATURE_256'] ?? null,
        );
    } else {
        $db = Database::connect(Config::env('DATABASE_URL'));
        $calcom = new CalcomClient(Config::env('CALCOM_BASE_URL'), Config::env('CALCOM_API_KEY', ''));
        [$status, $answer] = (new HarnessController($db, $calcom))->handle(
            $_SERVER['REQUEST_METHOD'] ?? 'GET',
            $path,
            (string) file_get_contents('php://input'),
            $_SERVER['HTTP_X_HARNESS_NOW'] ?? null,
        );
    }
} catch (Throwable $e) {
    Log::error('request failed', ['error' => $e->getMessage(), 'at' => $e->getFile() . ':' . $e->getLine()]);
    $status = 500;
    $answer = ['error' => $e->getMessage()];
}
http_response_code($status);
header('Content-Type: application/json');
echo json_encode($answer, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
