"""`omnirec report` and `omnirec evaluate offers` against a real redis-server: files written, bad input named."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from omnirec.cli.main import app, evaluate_offers_app
from omnirec.measurement.offpolicy import choice_probabilities, logged_probability
from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent, ImpressionRecord, OfferArm
from redis_servers import RedisServer

DAY = 86_400


def fill(url: str) -> None:
    """An email list to c1 and offers chosen by Thompson sampling among three arms for 300 customers."""

    async def main() -> None:
        store = open_store(url, prefix="omnirec", timeout_ms=5000)
        listed = ImpressionRecord(recommendation_id="r1", kind="list", user_id="c1", timestamp=1000, channel="email",
                                  items=["a", "b"])  # fmt: skip
        await store.log_impressions([listed])
        await store.link_identity("card-1", "c1")
        rng = np.random.default_rng(0)
        arms = (OfferArm("o1", 10.0, 2.0, 8.0), OfferArm("o2", 5.0, 5.0, 5.0), OfferArm("o3", 20.0, 1.0, 9.0))
        rates = {"o1": 0.2, "o2": 0.5, "o3": 0.1}
        for n in range(300):
            probabilities = choice_probabilities("thompson", arms, rng, draws=1000)
            chosen = int(rng.choice(3, p=probabilities))
            p, error = logged_probability(probabilities, chosen, draws=1000)
            offer = arms[chosen].offer_id
            record = ImpressionRecord(recommendation_id=f"o{n}", kind="offer", user_id=f"k{n}", timestamp=2000,
                                      channel="email", offer_id=offer, value=arms[chosen].value, probability=p,
                                      probability_error=error, arms=list(arms))  # fmt: skip
            await store.log_impressions([record])
            if rng.random() < rates[offer]:
                redeemed = CustomerEvent(user_id=f"k{n}", item_id="", event_type="offer_redeemed", timestamp=2100,
                                         channel="web", event_id=f"red{n}", offer_id=offer)  # fmt: skip
                await store.append_events(f"k{n}", [redeemed], cap=10)
        await store.close()

    asyncio.run(main())


def test_report_reads_the_store_and_a_data_folder(redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    fill(redis_server.url)
    data = tmp_path / "tills"
    data.mkdir()
    (data / "events.csv").write_text(
        "user_id,item_id,event_type,timestamp,channel,quantity,price,event_id\n"
        f"card-1,b,purchase,{1000 + 2 * DAY},store,2,7.5,till-1\n"
    )
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", "--store", redis_server.url, "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["paths"] == [{"shown_in": "email", "bought_in": "store", "purchases": 1.0, "revenue": 15.0}]
    assert (out / "report.png").stat().st_size > 1000 and "email &rarr; store" in (out / "report.html").read_text()
    (data / "events.csv").write_text("user_id,item_id,event_type,timestamp\nx,b,purchase,yesterday\n")
    bad = CliRunner().invoke(app, ["report", "--store", redis_server.url, "--data", str(data), "--out", str(out)])
    assert bad.exit_code == 2 and "events.csv" in bad.output and "timestamp" in bad.output


def test_evaluate_offers_estimates_another_policy(redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    fill(redis_server.url)
    out = tmp_path / "ope.json"
    args = ["--store", redis_server.url, "--policy", "greedy", "--policy", "uniform", "--out", str(out)]
    result = CliRunner().invoke(evaluate_offers_app, args)
    assert result.exit_code == 0, result.output
    estimates = {e["policy"]: e for e in json.loads(out.read_text())["estimates"]}
    # greedy picks o2 (posterior mean 0.5 x 5 = 2.5 beats 2.0 and 2.0): true value 0.5 x 5 = 2.5
    assert estimates["greedy"]["snips"]["low"] <= 2.5 <= estimates["greedy"]["snips"]["high"]
    uniform_truth = (0.2 * 10 + 0.5 * 5 + 0.1 * 20) / 3
    assert estimates["uniform"]["ips"]["low"] <= uniform_truth <= estimates["uniform"]["ips"]["high"]
    wrong = CliRunner().invoke(evaluate_offers_app, ["--store", redis_server.url, "--policy", "best"])
    assert wrong.exit_code == 2 and "unknown policies" in wrong.output
