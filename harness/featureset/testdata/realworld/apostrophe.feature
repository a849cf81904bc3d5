@access
Feature: Typographic apostrophes

  Scenario: The patient’s address is hidden
    Given the patient "Martha Jones" has a restricted record
    And I am signed in as a receptionist
    When I open the record of "Martha Jones"
    Then the patient’s address is hidden
