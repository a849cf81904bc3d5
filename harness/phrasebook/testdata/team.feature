Feature: A team's own wording

  Scenario: Look up a patient
    Given that I'm logged in
    When I search for a patient with "9990000018"
    Then the following patients are found: "POND, Amy"

  Scenario: Nested, with numbers
    Given I look up "Pond" and expect 2 patients

  Scenario: A table passes through
    Given a new patient is registered with
      | given name  | Ada      |
      | family name | Lovelace |
