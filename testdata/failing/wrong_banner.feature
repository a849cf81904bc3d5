# A deliberately failing scenario, kept outside features/. The harness's own
# end-to-end tests run it to prove a failure gives exit code 1, a JUnit
# failure naming the step, a screenshot and a trace.
Feature: A scenario that must fail

  Scenario: The banner is checked against the wrong NHS number
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the patient banner shows the NHS number "999 000 0026"
