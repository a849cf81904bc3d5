@ward
Feature: Admissions
  Scenarios of different lengths, for the scheduling tests.

  Background:
    Given the ward is open

  Scenario: Admit a patient
    When it takes 10 ms
    Then it is done

  Scenario Outline: Transfer <n>
    When it takes <ms> ms
    Then it is done

    Examples:
      | n | ms |
      | 1 | 5  |
      | 2 | 80 |

  Rule: Discharges
    Scenario: Discharge a patient
      When it takes 40 ms
      Then it is done
