from datetime import date

from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import AS_OF, claimable_family, previous_claim

FRAMEWORK = load_framework()


def test_a_family_in_the_record_of_earlier_claims_is_already_claimed():
    decision = decide(claimable_family(previous_claims=(previous_claim(),)), FRAMEWORK, AS_OF)
    assert decision.reasons == ("ALREADY_CLAIMED",)


def test_an_earlier_claim_counts_whatever_its_date():

    later = previous_claim()._replace(claim_date=date(2030, 1, 1))
    decision = decide(claimable_family(previous_claims=(later,)), FRAMEWORK, AS_OF)
    assert decision.reasons == ("ALREADY_CLAIMED",)


def test_a_family_in_a_submitted_run_is_already_claimed():
    decision = decide(claimable_family(claimed_in_runs=("RUN-1",)), FRAMEWORK, AS_OF)
    assert decision.reasons == ("ALREADY_CLAIMED",)
    assert "RUN-1" in decision.findings[-1].says
