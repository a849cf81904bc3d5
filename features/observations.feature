@observations
Feature: Vital signs and NEWS2
  Nurses and doctors record vital signs; the EPR scores them with NEWS2
  exactly as the Royal College of Physicians' 2017 chart defines it and
  shows the clinical response for the band: low (0–4), low-medium (a 3 in
  any single parameter), medium (5–6) and high (7 or more).

  Background:
    Given the patient "Wilfred Mott" is registered
    And I am signed in as a nurse
    When I search for "Wilfred Mott"
    And I open the record of "Wilfred Mott"

  @smoke @hazard:H-004 @control:C-008
  Scenario: A deteriorating patient scores high
    When I record observations:
      | respiration rate | 22            |
      | SpO2             | 93            |
      | air or oxygen    | air           |
      | systolic BP      | 105           |
      | pulse            | 115           |
      | consciousness    | alert         |
      | temperature      | 37.2          |
    Then the NEWS2 score is 7
    And the clinical response is "high"

  @regression @hazard:H-004 @control:C-008
  Scenario Outline: NEWS2 scores a respiration rate of <rate>
    When I record observations with a respiration rate of <rate>
    Then the NEWS2 score is <score>
    And the clinical response is "<response>"

    Examples: respiration-rate boundaries
      | rate | score | response   |
      | 8    | 3     | low-medium |
      | 9    | 1     | low        |
      | 11   | 1     | low        |
      | 12   | 0     | low        |
      | 20   | 0     | low        |
      | 21   | 2     | low        |
      | 24   | 2     | low        |

    @defect:news2-boundary
    Examples: the first rate scored 3 at the fast end
      | rate | score | response   |
      | 25   | 3     | low-medium |

  @regression @hazard:H-004 @control:C-008
  Scenario Outline: NEWS2 band <band>
    When I record observations:
      | respiration rate | <rate>          |
      | systolic BP      | <systolic>      |
      | pulse            | <pulse>         |
      | consciousness    | <consciousness> |
    Then the NEWS2 score is <score>
    And the clinical response is "<band>"

    Examples:
      | band       | rate | systolic | pulse | consciousness | score |
      | low        | 16   | 120      | 70    | alert         | 0     |
      | low        | 22   | 95       | 70    | alert         | 4     |
      | low-medium | 16   | 120      | 70    | new confusion | 3     |
      | medium     | 22   | 95       | 95    | alert         | 5     |
      | medium     | 22   | 95       | 115   | alert         | 6     |
      | high       | 22   | 95       | 135   | alert         | 7     |
      | high       | 22   | 105      | 115   | voice         | 8     |

  @regression @hazard:H-004 @control:C-008
  Scenario Outline: SpO2 scale 2 scores oxygen above the target range
    When I record observations:
      | SpO2          | <spo2>   |
      | SpO2 scale    | 2        |
      | air or oxygen | <oxygen> |
    Then the NEWS2 score is <score>
    And the clinical response is "<band>"

    Examples:
      | spo2 | oxygen | score | band   |
      | 97   | air    | 0     | low    |
      | 92   | oxygen | 2     | low    |
      | 94   | oxygen | 3     | low    |
      | 97   | oxygen | 5     | medium |
