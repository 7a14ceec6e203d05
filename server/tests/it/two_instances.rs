//! Two server instances on one PostgreSQL database: limits and single use
//! hold across them, because none of it lives in process memory.

use crate::common::{Engine, TestApp};

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_single_use_hold_across_instances() {
    let a = TestApp::start(Engine::Postgres).await;
    let b = a.another_instance().await;

    // Lockout: failures on both instances add up.
    let mut on_a = a.browser();
    on_a.login("zorg", PASSWORD).await;
    let right = a.last_code_to(ZORG).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let mut on_b = b.browser();
    on_b.cookie = on_a.cookie.clone();
    for i in 0..4 {
        let browser = if i % 2 == 0 { &mut on_a } else { &mut on_b };
        assert_eq!(browser.verify(wrong).await.status, 422);
    }
    // The code's own five-try limit is shared too.
    assert_eq!(on_b.verify(wrong).await.status, 422);
    assert!(on_a.verify(&right).await.body.contains("te vaak onjuist"));

    // The one-minute resend wait is shared.
    assert_eq!(on_b.call("resend_code", &[]).await.status, 429);
    a.clock.advance(61);
    assert_eq!(on_b.call("resend_code", &[]).await.status, 200);

    // Single use: the same right code sent to both instances at once.
    let code = a.last_code_to(ZORG).await;
    let cookie = on_a.cookie.clone().unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut browser = if i % 2 == 0 { a.browser() } else { b.browser() };
        browser.cookie = Some(cookie.clone());
        let code = code.clone();
        tasks.push(tokio::spawn(
            async move { browser.verify(&code).await.status },
        ));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);

    // Sessions too: a session made on one instance is known to the other.
    let mut bakker = a.browser();
    bakker.login("bakker", PASSWORD).await;
    let mut elsewhere = b.browser();
    elsewhere.cookie = bakker.cookie.clone();
    assert_eq!(elsewhere.call("whoami", &[]).await.status, 200);

    // The account lockout: the right code above reset the count; ten
    // failures spread over both instances lock the account.
    a.clock.advance(61);
    let mut again = a.browser();
    again.login("zorg", PASSWORD).await;
    let mut again_b = b.browser();
    again_b.cookie = again.cookie.clone();
    for i in 0..5 {
        let browser = if i % 2 == 0 { &mut again } else { &mut again_b };
        let answer = browser.verify(wrong).await;
        assert_eq!(answer.status, 422, "failure {}: {}", i + 1, answer.body);
    }
    a.clock.advance(61);
    assert_eq!(again_b.call("resend_code", &[]).await.status, 200);
    for i in 5..9 {
        let browser = if i % 2 == 0 { &mut again } else { &mut again_b };
        let answer = browser.verify(wrong).await;
        assert_eq!(answer.status, 422, "failure {}: {}", i + 1, answer.body);
    }
    let locked = again_b.verify(wrong).await;
    assert_eq!(
        locked.status, 429,
        "the tenth failure, counted over both instances, locks: {}",
        locked.body
    );
    let mut on_a_again = a.browser();
    on_a_again.cookie = again.cookie.clone();
    let fresh = a.last_code_to(ZORG).await;
    assert_eq!(
        on_a_again.verify(&fresh).await.status,
        429,
        "the other instance knows it too"
    );
}
