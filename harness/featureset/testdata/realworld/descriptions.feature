@search
Feature: Scenario descriptions
  The feature's own description.

  Scenario: A scenario with a description
    This scenario explains, in prose, why it exists:
    receptionists find patients before opening a record.

    Given the patient "Amy Pond" is registered
    When I search for "Amy Pond"

  Scenario Outline: An outline with a description (<how>)
    Described too.

    When I search for the patient with NHS number "<nhs number>"

    Examples: with a description
      Rows that are written by hand.

      | how   | nhs number   |
      | typed | 999 000 0018 |
