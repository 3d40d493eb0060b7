// AutoMapAccounts' plan: unambiguous same-name pairs are mapped, ambiguous keys are reported and
// nothing is guessed.
#include "services/mapping/auto_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crmsync::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PlanAutoMap, PairsNamesThatDifferInCaseOrSpacing) {
  const AutoMapPlan plan =
      PlanAutoMap({{"c1", "Müller GmbH"}, {"c2", "Acme  Corp"}},
                  {{"a1", "MÜLLER  gmbh"}, {"a2", " ACME corp "}, {"a3", "Globex"}});
  ASSERT_EQ(plan.pairs.size(), 2u);
  EXPECT_EQ(plan.pairs[0].match_key, "acmecorp");
  EXPECT_EQ(plan.pairs[0].client_account, (Account{"c2", "Acme  Corp"}));
  EXPECT_EQ(plan.pairs[0].crm_account, (Account{"a2", " ACME corp "}));
  EXPECT_EQ(plan.pairs[1].match_key, "müllergmbh");
  EXPECT_EQ(plan.pairs[1].crm_account.id, "a1");
  EXPECT_THAT(plan.ambiguous, IsEmpty());
  EXPECT_EQ(plan.unmatched, 0);
}

TEST(PlanAutoMap, TwoCrmAccountsWithOneNameAreAmbiguousAndNotGuessed) {
  const AutoMapPlan plan = PlanAutoMap({{"c1", "Acme"}, {"c2", "Initech"}},
                                       {{"a9", "ACME"}, {"a3", "acme"}, {"a4", "Initech"}});
  ASSERT_EQ(plan.pairs.size(), 1u);
  EXPECT_EQ(plan.pairs[0].client_account.id, "c2");
  ASSERT_EQ(plan.ambiguous.size(), 1u);
  EXPECT_EQ(plan.ambiguous[0].match_key, "acme");
  EXPECT_THAT(plan.ambiguous[0].client_accounts, ElementsAre(Account{"c1", "Acme"}));
  EXPECT_THAT(plan.ambiguous[0].crm_accounts,
              ElementsAre(Account{"a3", "acme"}, Account{"a9", "ACME"}));
  EXPECT_EQ(plan.unmatched, 0);
}

TEST(PlanAutoMap, TwoClientAccountsWithOneNameAreAmbiguousToo) {
  const AutoMapPlan plan = PlanAutoMap({{"c1", "Acme"}, {"c2", "ACME "}}, {{"a1", "Acme"}});
  EXPECT_THAT(plan.pairs, IsEmpty());
  ASSERT_EQ(plan.ambiguous.size(), 1u);
  EXPECT_EQ(plan.ambiguous[0].client_accounts.size(), 2u);
  EXPECT_EQ(plan.ambiguous[0].crm_accounts.size(), 1u);
}

TEST(PlanAutoMap, ClientAccountsWithoutAMatchAreCounted) {
  const AutoMapPlan plan = PlanAutoMap(
      {{"c1", "Acme"}, {"c2", "Acme"}, {"c3", "Hooli"}, {"c4", "  "}}, {{"a1", "Hoo li"}});
  ASSERT_EQ(plan.pairs.size(), 1u);
  EXPECT_EQ(plan.pairs[0].client_account.id, "c3");
  EXPECT_THAT(plan.ambiguous, IsEmpty());
  EXPECT_EQ(plan.unmatched, 3);  // two "Acme" with no CRM account, one blank name
}

}  // namespace
}  // namespace crmsync::mapping
