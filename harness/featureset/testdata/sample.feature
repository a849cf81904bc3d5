@search
Feature: Sample
  A description.

  Background:
    Given a background step

  @smoke
  Scenario: First
    Given step one
    """
    doc string
    """

  @slow
  Scenario Outline: Second <n>
    Given step <n>

    Examples: small
      | n |
      | 1 |
      | 2 |

    @big
    Examples: large
      | n |
      | 3 |

  Rule: A rule
    @ruled
    Scenario: Third
      Given step three
